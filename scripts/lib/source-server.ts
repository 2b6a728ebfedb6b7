import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureSystemUser, SOURCE_MAIL_USER, type SystemUser } from './system-users.js';
import { makeTestTls } from './tls-ca.js';

/**
 * A private Dovecot (Debian's dovecot-imapd + dovecot-pop3d) standing in for the old mail server:
 * own config and state in a temp dir, 127.0.0.1 only, free ports, IMAP and POP3 in clear and
 * TLS, passwd-file users, Maildirs owned by a non-root system user. pop3_uidl_format is set per
 * start (default %v.%u, the Cyrus/Mirapoint scheme): Dovecot 2.3 takes no per-user override of
 * it, so each UIDL scheme is an instance of its own.
 */
/** Where a running instance is: plain data, so a vitest global setup can hand it to test files. */
export interface SourceServerInfo {
  host: string;
  imapPort: number;
  imapsPort: number;
  pop3Port: number;
  pop3sPort: number;
  caFile: string;
  configFile: string;
  dir: string;
}

export interface SourceServer extends SourceServerInfo {
  /** Adds a login. */
  addUser(name: string, password: string): void;
  /** The user's Maildir on the source side. */
  maildirOf(name: string): string;
  /** The user's INBOX file on the source side, with the `mbox` option. */
  mboxInboxOf(name: string): string;
  stop(): Promise<void>;
}

export interface SourceServerOptions {
  uidlFormat?: string;
  /** pop3_reuse_xuidl: a message's X-UIDL header is its UIDL (as qpopper stored them). */
  reuseXuidl?: boolean;
  /** "/" as hierarchy separator over LAYOUT=fs storage, so folder names may hold "." (as on
   *  Gmail, Exchange, Cyrus with unixhierarchysep). Default: Dovecot's "." over Maildir++. */
  slashHierarchy?: boolean;
  /** A public namespace "Public." (RFC 2342 shared namespace) beside each user's own: folders
   *  every user can read that are not theirs. Its mail is in `publicMaildir`. */
  publicNamespace?: boolean;
  /** Serve this Maildir (every user sees it) as this system user: a destination-side reader. */
  serveMaildir?: { path: string; owner: string };
  /** An mbox store, as UW-IMAP or qpopper kept mail: the INBOX is the file `mboxInboxOf(user)`,
   *  folders are files under ~/mail. */
  mbox?: boolean;
  /** With `mbox`: how long a session waits for another's lock on an mbox file before its command
   *  is refused (Dovecot's mbox_lock_timeout, 5 minutes unless set). */
  mboxLockTimeoutSec?: number;
}

/** A Dovecot master user: logs in on behalf of any user (SASL PLAIN authzid), as migration admins do. */
export const SOURCE_ADMIN = { user: 'qi-admin', password: 'qi-admin-secret' };

const DOVECOT = '/usr/sbin/dovecot';

export async function startSourceServer(options: SourceServerOptions = {}): Promise<SourceServer> {
  if (!fs.existsSync(DOVECOT))
    throw new Error(`${DOVECOT} not found: apt-get install dovecot-imapd dovecot-pop3d (scripts/install-deps.sh does)`);
  const mailOwner = ensureSystemUser(options.serveMaildir?.owner ?? SOURCE_MAIL_USER);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-dovecot-'));
  // Dovecot's login and mail processes run as other users and must reach their sockets and mail.
  fs.chmodSync(dir, 0o755);
  for (const sub of ['run', 'state', 'home']) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
  if (options.publicNamespace) {
    fs.mkdirSync(path.join(dir, 'public'), { mode: 0o755 });
    fs.chownSync(path.join(dir, 'public'), mailOwner.uid, mailOwner.gid);
  }
  const tls = makeTestTls(path.join(dir, 'tls'));
  // One passwd-file per user: Dovecot stats a passwd-file at most once a second, so users added
  // to one shared file in quick succession would not be seen yet; a new file is read at once.
  const usersFile = path.join(dir, 'users', '%n');
  fs.mkdirSync(path.dirname(usersFile), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'master-users'), `${SOURCE_ADMIN.user}:{PLAIN}${SOURCE_ADMIN.password}\n`, {
    mode: 0o644,
  });

  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(4);
    const [imapPort, imapsPort, pop3Port, pop3sPort] = ports as [number, number, number, number];
    const configFile = path.join(dir, 'dovecot.conf');
    fs.writeFileSync(
      configFile,
      config({
        dir,
        usersFile,
        tls,
        mailOwner,
        ports: { imapPort, imapsPort, pop3Port, pop3sPort },
        uidlFormat: options.uidlFormat ?? '%v.%u',
        reuseXuidl: options.reuseXuidl ?? false,
        mailLocation: mailLocation(options, dir),
      }),
      { mode: 0o644 },
    );
    const proc = spawn(DOVECOT, ['-F', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitForGreeting(imapPort, proc);
      await waitForGreeting(pop3Port, proc);
    } catch (err) {
      await stopProcess(proc);
      const log = readLog(dir);
      if (attempt < 5 && /already in use/i.test(stderr + log)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`dovecot did not start: ${(err as Error).message}\n${stderr}${log}`);
    }
    const info = { host: '127.0.0.1', imapPort, imapsPort, pop3Port, pop3sPort, caFile: tls.caFile, configFile, dir };
    return sourceServerHandle(info, async () => {
      await stopProcess(proc);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
}

/** Operations on a running instance; `stop` is a no-op for a handle on someone else's server. */
export function sourceServerHandle(
  info: SourceServerInfo,
  stop: () => Promise<void> = async () => undefined,
): SourceServer {
  const mailOwner = ensureSystemUser(SOURCE_MAIL_USER);
  return {
    ...info,
    addUser(name, password) {
      if (!/^[a-z0-9._-]+$/i.test(name) || /[:\n]/.test(password)) throw new Error(`bad test user ${name}`);
      const home = path.join(info.dir, 'home', name);
      fs.mkdirSync(home, { mode: 0o700 });
      fs.chownSync(home, mailOwner.uid, mailOwner.gid);
      // Empty uid, gid and home: the userdb default_fields fill them in.
      fs.writeFileSync(path.join(info.dir, 'users', name), `${name}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
    },
    maildirOf: (name) => path.join(info.dir, 'home', name, 'Maildir'),
    mboxInboxOf: (name) => path.join(info.dir, 'home', name, 'mbox'),
    stop,
  };
}

function config(c: {
  dir: string;
  usersFile: string;
  tls: { certFile: string; keyFile: string };
  mailOwner: SystemUser;
  ports: { imapPort: number; imapsPort: number; pop3Port: number; pop3sPort: number };
  uidlFormat: string;
  reuseXuidl: boolean;
  mailLocation: string;
}): string {
  return `# Written by qmail-import's test scripts; a private instance, not the system's Dovecot.
instance_name = qmail-import-${path.basename(c.dir)}
protocols = imap pop3
listen = 127.0.0.1
base_dir = ${c.dir}/run
state_dir = ${c.dir}/state
log_path = ${c.dir}/dovecot.log
ssl = yes
ssl_cert = <${c.tls.certFile}
ssl_key = <${c.tls.keyFile}
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login apop
${c.mailLocation}
first_valid_uid = ${Math.min(c.mailOwner.uid, 100)}
first_valid_gid = ${Math.min(c.mailOwner.gid, 100)}
default_internal_user = dovecot
default_login_user = dovenull
pop3_uidl_format = ${c.uidlFormat}
pop3_reuse_xuidl = ${c.reuseXuidl ? 'yes' : 'no'}
passdb {
  driver = passwd-file
  master = yes
  args = scheme=PLAIN ${c.dir}/master-users
  # The user logged in for must exist too.
  pass = yes
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${c.usersFile}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${c.usersFile}
  default_fields = uid=${c.mailOwner.uid} gid=${c.mailOwner.gid} home=${c.dir}/home/%u
}
${loginService('imap', c.ports.imapPort, c.ports.imapsPort)}${loginService('pop3', c.ports.pop3Port, c.ports.pop3sPort)}`;
}

/** A protocol's login service: its plain port and its TLS port. */
function loginService(protocol: 'imap' | 'pop3', plainPort: number, tlsPort: number): string {
  return `service ${protocol}-login {
  inet_listener ${protocol} {
    port = ${plainPort}
  }
  inet_listener ${protocol}s {
    port = ${tlsPort}
    ssl = yes
  }
}
`;
}

function mailLocation(o: SourceServerOptions, dir: string): string {
  if (o.serveMaildir) return `mail_location = maildir:${o.serveMaildir.path}`;
  if (o.mbox)
    return `mail_location = mbox:~/mail:INBOX=~/mbox${o.mboxLockTimeoutSec ? `\nmbox_lock_timeout = ${o.mboxLockTimeoutSec} secs` : ''}`;
  if (o.publicNamespace)
    return `mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = .
  prefix =
}
namespace public {
  type = public
  separator = .
  prefix = Public.
  location = maildir:${dir}/public
  subscriptions = no
  list = yes
}`;
  if (o.slashHierarchy)
    return 'mail_location = maildir:~/Maildir:LAYOUT=fs\nnamespace inbox {\n  inbox = yes\n  separator = /\n}';
  return 'mail_location = maildir:~/Maildir';
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve) => {
          const s = net.createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function waitForGreeting(port: number, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`dovecot exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(/^(\* OK|\+OK)/.test(d.toString()));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no greeting on port ${port} within 15 s`);
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8').slice(-3000);
  } catch {
    return '';
  }
}
