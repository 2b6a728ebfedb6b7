import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { SOURCE_ADMIN } from '../../scripts/lib/source-server.js';
import { startProxy, type Fault } from '../support/proxy.js';
import { readProc, workersOf } from '../support/processes.js';
import { startImapLoginEcho, startPop3Proxy, type ImapLoginWay } from '../support/quirk-proxy.js';
import { startScriptedPop3 } from '../support/scripted-pop3.js';
import { CLI } from '../support/cli.js';

// Secrets (docs/faults.md): the password never shows in ps (the run's or a batch worker's argv),
// in a worker's environment, in the report, the JSON, an error message or any file we write. The run
// is held on a stalled connection after login, so its processes can be looked at while they live.

const proxies: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

/** Every byte of every file under `dir`. */
function allFileText(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name)).toString('latin1'))
    .join('\n');
}

interface Seen {
  code: number | null;
  stdout: string;
  stderr: string;
  argv: string;
  ps: string;
  /** batch: its worker's argv and environment. */
  workerArgv?: string;
  workerEnv?: string;
}

/** The ids of /proc/PID/status: "Uid:" or "Gid:" (real, effective, saved, fs), or "Groups:". */
function idsOf(pid: number, field: 'Uid' | 'Gid' | 'Groups'): number[] {
  const line = readProc(pid, 'status')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return (line ?? '')
    .slice(field.length + 1)
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}

/** Ends with a check of the run's processes while they are held, given its pid and its worker's (batch). */
type Look = (pid: number, worker: number | undefined) => void;

/**
 * Runs `import`, or a batch of that one account (whose worker is looked at too), through a proxy
 * with `fault`; while it waits on the stall, looks at its processes.
 */
async function runHeld(
  a: Account,
  command: 'import' | 'batch',
  where: 'imap' | 'pop3',
  fault: Fault,
  viaEnv: boolean,
  look: Look = () => undefined,
): Promise<Seen> {
  const ports = { imap: a.server.imapPort, pop3: a.server.pop3Port };
  const proxy = await startProxy(ports[where], fault);
  proxies.push(proxy);
  ports[where] = proxy.port;
  const args = [command, '--host', a.server.host, '--security', 'none', '--timeout', '4', '--json'];
  args.push('--imap-port', String(ports.imap), '--pop3-port', String(ports.pop3), '--quiet');
  if (command === 'import') args.push('--user', a.user, '--maildir', a.maildir);
  else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-secrets-'));
    fs.writeFileSync(path.join(dir, 'users'), `${a.user}:${a.maildir}\n`, { mode: 0o600 });
    args.push('--users', path.join(dir, 'users'), '--log-dir', path.join(dir, 'logs'), '--mode', 'import');
  }
  if (!viaEnv) args.push('--password-file', a.passwordFile);
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, ...(viaEnv ? { QMAIL_IMPORT_PASSWORD: a.password } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  // A run that ends before the fault (a refusal, a timeout under load) fails here with what it said.
  const ended = await Promise.race([proxy.fired.then(() => false), closed.then(() => true)]);
  expect(ended, `${stdout}${stderr}`).toBe(false);
  const pid = child.pid as number;
  const [worker] = workersOf(pid);
  expect(worker === undefined, 'a worker only in a batch').toBe(command === 'import');
  const seen = {
    argv: readProc(pid, 'cmdline'),
    ...(worker === undefined
      ? {}
      : { workerArgv: readProc(worker, 'cmdline'), workerEnv: readProc(worker, 'environ') }),
    ps: execFileSync('ps', ['-eo', 'pid,args', '--cols', '10000']).toString(),
  };
  look(pid, worker);
  return { ...seen, code: await closed, stdout, stderr };
}

function expectNowhere(a: Account, seen: Seen): void {
  for (const [where, text] of Object.entries(seen))
    expect({ where, leaks: String(text).includes(a.password) }).toEqual({ where, leaks: false });
  expect(allFileText(a.maildir).includes(a.password)).toBe(false);
}

/** The owner's uid, gid and groups, every one of them, and no way for the owner into the process. */
function expectOwner(a: Account, pid: number): void {
  const groups = execFileSync('id', ['-G', a.owner.name], { encoding: 'utf8' }).trim().split(' ').map(Number);
  expect(idsOf(pid, 'Uid')).toEqual([a.owner.uid, a.owner.uid, a.owner.uid, a.owner.uid]);
  expect(idsOf(pid, 'Gid')).toEqual([a.owner.gid, a.owner.gid, a.owner.gid, a.owner.gid]);
  expect(idsOf(pid, 'Groups').sort()).toEqual(groups.sort());
  // Dropped from root, the process is not dumpable: the owner cannot read its environment (where
  // QMAIL_IMPORT_PASSWORD may be) nor its memory (where the password is).
  const asOwner = ['--reuid', String(a.owner.uid), '--regid', String(a.owner.gid), '--init-groups'];
  // The same command reads the owner's own process: a refusal below is the kernel's, not setpriv failing.
  expect(execFileSync('setpriv', [...asOwner, 'cat', '/proc/self/environ'], { stdio: 'pipe' })).toBeDefined();
  expect(() => execFileSync('setpriv', [...asOwner, 'cat', `/proc/${pid}/environ`], { stdio: 'pipe' })).toThrow(
    /Permission denied/,
  );
}

/** A whole run, stdout and stderr together. */
async function runAll(args: string[]): Promise<{ code: number | null; out: string }> {
  const run = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  run.stdout.on('data', (d) => (out += d));
  run.stderr.on('data', (d) => (out += d));
  return { code: await new Promise<number | null>((resolve) => run.on('close', resolve)), out };
}

describe('the password is never shown', () => {
  it('from --password-file, with IMAP stalled mid-fetch: not in ps, the error, the JSON or the Maildir; one process, the owner by then', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 38 }));
    const seen = await runHeld(
      a,
      'import',
      'imap',
      { afterServer: /BODY\[\] \{\d+\}\r\n/, extraBytes: 10, action: 'stall' },
      false,
      (pid) => expectOwner(a, pid),
    );
    expect(seen.code).toBe(3);
    expect(seen.stderr).toMatch(/cannot fetch messages: stalled/);
    expect(JSON.parse(seen.stdout).users[0].error.message).toMatch(/stalled/);
    expectNowhere(a, seen);
  });

  it('from QMAIL_IMPORT_PASSWORD, in a batch with POP3 stalled after PASS: not in the worker environment nor the error', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 39 }));
    const seen = await runHeld(a, 'batch', 'pop3', { afterClient: /PASS /, action: 'stall' }, true, (_, worker) =>
      expectOwner(a, worker as number),
    );
    expect(seen.code).toBe(3);
    expect(JSON.parse(seen.stdout).users[0].error.message).toMatch(
      /PASS \(password hidden\): stalled: no answer within 4 s/,
    );
    expect(seen.workerEnv).not.toContain('QMAIL_IMPORT_PASSWORD');
    expectNowhere(a, seen);
  });

  it('a refused IMAP login names the user, not the password (exit 3)', async () => {
    const a = await makeAccount(sharedSource(), []);
    const wrong = `${a.password}-wrong-${process.pid}`;
    fs.writeFileSync(a.passwordFile, `${wrong}\n`);
    const { code, out } = await runAll(['import', ...a.args, '--json']);
    expect(code).toBe(3);
    expect(out).toMatch(new RegExp(`imap .*: login as ${a.user} refused`));
    expect(out.includes(wrong)).toBe(false);
  });

  it('a POP3 login refused where IMAP took it comes back from the worker as the INBOX error: exit 1, named, no password', async () => {
    const a = await makeAccount(sharedSource(), []);
    const pop3 = await startScriptedPop3([], { PASS: (s) => s.write('-ERR [AUTH] Authentication failed.\r\n') });
    proxies.push(pop3);
    const { code, out } = await runAll([
      'import',
      ...['--host', a.server.host, '--security', 'none', '--json', '--quiet'],
      ...['--imap-port', String(a.server.imapPort), '--pop3-port', String(pop3.port)],
      ...['--user', a.user, '--password-file', a.passwordFile, '--maildir', a.maildir],
    ]);
    expect(out).toMatch(
      new RegExp(`pop3 127\\.0\\.0\\.1:\\d+: login as ${a.user} refused: \\[AUTH\\] Authentication failed`),
    );
    expect(out).not.toMatch(/internal error/);
    expect(code).toBe(1);
    expect(out.includes(a.password)).toBe(false);
  });
});

/** Every form a password takes on the wire: as typed, as an IMAP quoted string, base64 alone
 *  (SASL LOGIN) and the SASL PLAIN token with and without an authorization identity. */
function wireForms(user: string, password: string, authzid = ''): string[] {
  const b64 = (t: string) => Buffer.from(t).toString('base64');
  return [
    password,
    password.replace(/[\\"]/g, (c) => `\\${c}`),
    b64(password),
    b64(`\0${user}\0${password}`),
    b64(`${authzid}\0${user}\0${password}`),
  ];
}

interface EchoCase {
  command: 'import' | 'verify' | 'check' | 'batch';
  /** Which login the server echoes back in its refusal. */
  echo: ImapLoginWay | 'POP3';
  /** Log in as the Dovecot master user for the account (SASL PLAIN with an authorization identity). */
  admin: boolean;
}

const ECHO_CASES: EchoCase[] = [
  { command: 'import', echo: 'LOGIN', admin: false },
  { command: 'import', echo: 'AUTH=PLAIN', admin: false },
  { command: 'import', echo: 'AUTH=LOGIN', admin: false },
  { command: 'import', echo: 'AUTH=PLAIN', admin: true },
  { command: 'import', echo: 'POP3', admin: false },
  { command: 'import', echo: 'POP3', admin: true },
  { command: 'verify', echo: 'AUTH=PLAIN', admin: false },
  { command: 'verify', echo: 'POP3', admin: false },
  { command: 'check', echo: 'AUTH=LOGIN', admin: false },
  { command: 'check', echo: 'POP3', admin: false },
  { command: 'batch', echo: 'LOGIN', admin: false },
  { command: 'batch', echo: 'POP3', admin: false },
];

// A server that quotes the refused login in its answer ("bad command: PASS secret"): the shims in
// front of the real Dovecot answer the login themselves, so where IMAP echoes, the password need
// not be Dovecot's and holds the characters an IMAP quoted string escapes; where only POP3 echoes,
// IMAP logs in for real first.
describe('a server that echoes the login it refused: no form of the password is shown or stored', () => {
  it.each(ECHO_CASES)('$command, the server echoing $echo (admin login: $admin)', async ({ command, echo, admin }) => {
    const a = await makeAccount(sharedSource(), []);
    const viaImap = echo !== 'POP3';
    const login = admin ? SOURCE_ADMIN.user : a.user;
    const password = viaImap ? `Xy9-"Very\\Secret"-${process.pid}` : admin ? SOURCE_ADMIN.password : a.password;
    const secretFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-echo-')), 'pw');
    fs.writeFileSync(secretFile, `${password}\n`, { mode: 0o600 });
    // POP3 echoes too where the password is not Dovecot's: verify may ask it before IMAP.
    const pop3 = await startPop3Proxy(a.server.pop3Port, { echoLogin: true });
    const imap = viaImap ? await startImapLoginEcho(a.server.imapPort, echo) : undefined;
    proxies.push(pop3, ...(imap ? [imap] : []));
    const ports = ['--imap-port', String(imap?.port ?? a.server.imapPort), '--pop3-port', String(pop3.port)];
    const args = [command, '--host', a.server.host, '--security', 'none', ...ports, '--json', '--quiet'];
    const logDir = path.join(path.dirname(secretFile), 'logs');
    if (admin) args.push('--admin-user', login, '--admin-password-file', secretFile);
    if (command === 'batch') {
      const users = path.join(path.dirname(secretFile), 'users');
      fs.writeFileSync(users, `${a.user}:${a.maildir}${admin ? '' : `:${password}`}\n`, { mode: 0o600 });
      args.push('--users', users, '--log-dir', logDir, '--mode', 'import');
    } else {
      args.push('--user', a.user, '--maildir', a.maildir, ...(admin ? [] : ['--password-file', secretFile]));
    }
    // verify reads the Maildir before the source: an empty one, as an import of no mail leaves it.
    for (const sub of ['new', 'cur', 'tmp']) {
      fs.mkdirSync(path.join(a.maildir, sub), { mode: 0o700 });
      fs.chownSync(path.join(a.maildir, sub), a.owner.uid, a.owner.gid);
    }
    const { code, out } = await runAll(args);
    // failed.txt holds the account's users-file line, password and all, by design (mode 0600, to retry).
    fs.rmSync(path.join(logDir, 'failed.txt'), { force: true });
    const everything = [out, allFileText(logDir), allFileText(a.maildir)].join('\n');
    for (const form of wireForms(login, password, admin ? a.user : ''))
      expect({ form, shown: everything.toLowerCase().includes(form.toLowerCase()) }).toEqual({ form, shown: false });
    // The echo came back and was read: the refusal is shown, with the password hidden in it.
    expect(out).toMatch(/refused: .*bad command: .*\(password hidden\)/);
    // An import whose POP3 alone refuses the login IMAP took makes that the INBOX's error (exit 1).
    expect(code).toBe(!viaImap && (command === 'import' || command === 'batch') ? 1 : 3);
  });

  it('a users-file line with one colon too few (ADDRESS:PASSWORD) is named by its number, its password not echoed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-echo-'));
    const secret = `Xy9-VerySecret-${process.pid}`;
    fs.writeFileSync(path.join(dir, 'users'), `# accounts\nalice@example.com:${secret}\n`, { mode: 0o600 });
    const { code, out } = await runAll([
      'batch',
      ...['--host', '127.0.0.1', '--users', path.join(dir, 'users'), '--log-dir', path.join(dir, 'logs')],
    ]);
    expect(code).toBe(2);
    expect(out).toContain('line 2: the second field (MAILDIR) is not an absolute path');
    expect(out.includes(secret)).toBe(false);
  });
});
