import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource, symlinkMaildir, type Account } from '../support/accounts.js';
import { CLI, runCli, withOption, type CliResult } from '../support/cli.js';
import { VpopmailTree } from '../support/vpopmail-tree.js';
import { SOURCE_ADMIN } from '../../scripts/lib/source-server.js';

/** Whether that account can read the built CLI: not when the checkout sits under a 0700 directory. */
function cliReadableBy(uid: number, gid: number): boolean {
  return spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', 'test', '-r', CLI]).status === 0;
}

/** The CLI run as a non-root account, as an admin without root would run it. */
function runCliAs(uid: number, gid: number, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'setpriv',
      [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', process.execPath, CLI, ...args],
      { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, output: `${stdout}${stderr}` }));
  });
}

describe('errors say what happened and what to do next', () => {
  it('a certificate from a private CA, without --ca-file: exit 3, names --ca-file and --insecure', async () => {
    const a = await makeAccount(sharedSource(), []);
    const r = await runCli(['check', ...withOption(a.args, '--ca-file', undefined)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot connect: [A-Z_]+; .*not signed by a CA this machine trusts/);
    expect(r.stderr).toContain('--ca-file FILE');
    expect(r.stderr).toContain('--insecure');
  });

  it('a --ca-file that is not PEM: exit 2, the file named', async () => {
    const a = await makeAccount(sharedSource(), []);
    const der = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-ca-')), 'ca.der');
    fs.writeFileSync(der, Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82]));
    const r = await runCli(['check', ...withOption(a.args, '--ca-file', der)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--ca-file ${der}: not a PEM certificate file`);
  });

  it('TLS spoken to a plain port (ERR_SSL_WRONG_VERSION_NUMBER): exit 3, names --security', async () => {
    const a = await makeAccount(sharedSource(), []);
    const r = await runCli(['check', ...withOption(a.args, '--imap-port', String(a.server.imapPort))]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('WRONG_VERSION_NUMBER');
    expect(r.stderr).toContain(`does not speak TLS on port ${a.server.imapPort}: use --security starttls`);
  });

  it('a Maildir the user running it cannot reach (mkdir EACCES, not root): says whom it ran as and what to do', async (ctx) => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 1, seed: 71 }));
    // A checkout under a private directory (mktemp -d, /root) cannot be run by anyone but root.
    if (!cliReadableBy(a.owner.uid, a.owner.gid)) ctx.skip();
    const locked = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-locked-'));
    fs.chmodSync(locked, 0o700);
    fs.chownSync(a.passwordFile, a.owner.uid, a.owner.gid);
    fs.chownSync(path.dirname(a.passwordFile), a.owner.uid, a.owner.gid);
    const maildir = path.join(locked, 'Maildir');
    const r = await runCliAs(a.owner.uid, a.owner.gid, [
      'import',
      '--create',
      ...withOption(a.args, '--maildir', maildir),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`mkdir(${maildir}) failed: EACCES`);
    expect(r.stderr).toContain(`runs as uid ${a.owner.uid}`);
    expect(r.stderr).toContain('run it as root');
    expect(fs.existsSync(maildir)).toBe(false);
  });

  it('a Maildir path that is a symlink: refused, naming --allow-symlinked-maildir', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 1, seed: 72 }));
    symlinkMaildir(a);
    const r = await runCli(['import', ...a.args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'is a symlink; refusing to follow it (if the Maildir path itself is a link you trust, pass --allow-symlinked-maildir',
    );
  });

  it('--owner 4242:4242 works with no passwd entry: files owned by those ids', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 2, seed: 73 }));
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-numeric-'));
    fs.chownSync(home, 4242, 4242);
    const maildir = path.join(home, 'Maildir');
    const r = await runCli(['import', '--create', ...withOption(a.args, '--maildir', maildir), '--owner', '4242:4242']);
    expect(r.code, r.stderr).toBe(0);
    const files = ['new', 'cur'].flatMap((d) =>
      fs.readdirSync(path.join(maildir, d)).map((f) => path.join(maildir, d, f)),
    );
    expect(files).toHaveLength(2);
    for (const f of [maildir, ...files]) expect([fs.statSync(f).uid, fs.statSync(f).gid]).toEqual([4242, 4242]);
  });

  it('a Maildir that does not exist is an error without --create, and nothing is made', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 1, seed: 74 }));
    const typo = path.join(path.dirname(a.maildir), 'maildir');
    for (const extra of [[], ['--dry-run']]) {
      const r = await runCli(['import', ...withOption(a.args, '--maildir', typo), ...extra]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Maildir ${typo} does not exist; check the path, or pass --create to make it`);
      expect(fs.existsSync(typo)).toBe(false);
    }
    expect((await runCli(['import', '--create', ...a.args])).code).toBe(0);
    expect(
      fs.readdirSync(path.join(a.maildir, 'new')).length + fs.readdirSync(path.join(a.maildir, 'cur')).length,
    ).toBe(1);
  });
});

describe('hints for the mistakes of a first night', () => {
  it('plain text to a port that expects TLS: named within seconds, not after --timeout, with --security tls', async () => {
    const a = await makeAccount(sharedSource(), []);
    const plain = (security: string) => [...withOption(a.args, '--security', security), '--timeout', '60'];
    const onTlsPort = (args: string[], protocol: 'imap' | 'pop3', port: number) =>
      withOption(args, `--${protocol}-port`, String(port));
    const { imapPort, imapsPort, pop3sPort } = a.server;
    const runs = [
      // imapflow waits for this greeting; STARTTLS waits for it in our reader; POP3 in its own.
      ['imap', imapsPort, await runCli(['check', ...onTlsPort(plain('none'), 'imap', imapsPort)])],
      ['imap', imapsPort, await runCli(['check', ...onTlsPort(plain('starttls'), 'imap', imapsPort)])],
      [
        'pop3',
        pop3sPort,
        await runCli(['check', ...onTlsPort(onTlsPort(plain('none'), 'imap', imapPort), 'pop3', pop3sPort)]),
      ],
    ] as const;
    for (const [protocol, port, r] of runs) {
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`${protocol} 127.0.0.1:${port}: `);
      expect(r.stderr).toContain(`no greeting within 3 s, and port ${port} answers TLS`);
      expect(r.stderr).toContain('try --security tls');
      expect(r.stderr).not.toContain('stalled');
    }
  });

  it('a refused login says what to check: the password source and --login-format, or the admin login', async () => {
    const a = await makeAccount(sharedSource(), []);
    const wrong = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-pw-')), 'password');
    fs.writeFileSync(wrong, 'not-the-password\n', { mode: 0o600 });
    const r = await runCli(['check', ...withOption(a.args, '--password-file', wrong)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`login as ${a.user} refused`);
    expect(r.stderr).toMatch(/check the password \(--password-file, QMAIL_IMPORT_PASSWORD, .*--login-format/);
    const admin = await runCli([
      'check',
      ...withOption(a.args, '--password-file', undefined),
      '--admin-user',
      SOURCE_ADMIN.user,
      '--admin-password-file',
      wrong,
    ]);
    expect(admin.code).toBe(3);
    expect(admin.stderr).toContain(`login as ${SOURCE_ADMIN.user} for ${a.user} refused`);
    expect(admin.stderr).toContain("check the admin's password (--admin-password-file");
    expect(admin.stderr + r.stderr).not.toContain('not-the-password');
  });

  it('vpopmail addresses, not root, the tree closed to that user: says so and to run it as root, not "no domain"', async (ctx) => {
    const a = await makeAccount(sharedSource(), []);
    if (!cliReadableBy(a.owner.uid, a.owner.gid)) ctx.skip();
    const tree = new VpopmailTree();
    tree.addDomain('closed.test', [a.user]);
    // vpopmail's own tree is 0700 vpopmail:vchkpw: closed to everyone else.
    fs.chmodSync(path.join(tree.home, 'domains'), 0o700);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-users-'));
    const users = path.join(dir, 'users');
    fs.writeFileSync(users, `${a.user}@closed.test::${a.password}\n`, { mode: 0o600 });
    for (const f of [dir, users]) fs.chownSync(f, a.owner.uid, a.owner.gid);
    const r = await runCliAs(a.owner.uid, a.owner.gid, [
      'check',
      '--users',
      users,
      '--vpopmail-home',
      tree.home,
      '--login-format',
      '%u',
      // The users file gives the password, vpopmail the Maildir.
      ...['--user', '--maildir', '--password-file'].reduce((args, o) => withOption(args, o, undefined), a.args),
    ]);
    expect(r.code).toBe(1);
    expect(r.output).toContain(`cannot look into ${tree.home}/domains (EACCES)`);
    expect(r.output).toContain('run qmail-import as root');
    expect(r.output).not.toContain('no domain');
  });

  it('as root, a new/ the owner cannot write: one error naming the owner it writes as and the fix, no EACCES per message', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 12, seed: 76 }));
    fs.mkdirSync(path.join(a.maildir, 'new'), { mode: 0o755 });
    const r = await runCli(['import', ...a.args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`access(${a.maildir}/new) failed: EACCES`);
    expect(r.stderr).toContain(
      `as root the import writes as ${a.owner.name} (uid ${a.owner.uid}:${a.owner.gid}), the Maildir's owner or --owner's, and ${a.maildir}/new is owned by root:root, mode 0755, not writable by them`,
    );
    expect(r.stderr).toContain(`chown -R ${a.owner.name} ${a.maildir}`);
    expect(r.stderr).toContain('--owner USER[:GROUP]');
    expect(r.stderr).not.toContain('link(');
    expect(r.stderr).not.toContain('run it as root');
  });

  it('a missing Maildir whose parent is missing too: one message with both steps', async () => {
    const a = await makeAccount(sharedSource(), []);
    const home = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-gone-')), 'alice');
    const maildir = path.join(home, 'Maildir');
    for (const extra of [[], ['--create']]) {
      const r = await runCli(['import', ...withOption(a.args, '--maildir', maildir), ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `Maildir ${maildir} does not exist, nor its parent ${home}; check the path, and for a new account create its home ${home} first (vpopmail's vadduser does), then pass --create to make the Maildir`,
      );
    }
    expect(fs.existsSync(home)).toBe(false);
  });
});

describe('Ctrl-C', () => {
  // Over IMAP, and over POP3 alone (--uidl pop3: the whole INBOX comes from the POP3 session).
  it.each([[[]], [['--uidl', 'pop3']]])(
    'SIGINT during an import %j: exit 130 with a word, stopped between two messages; the same command then finishes it',
    async (how: string[]) => {
      const a: Account = await makeAccount(sharedSource(), sampleMessages({ count: 300, seed: 75 }));
      const args = ['import', '--create', ...a.args, ...how];
      const child = spawn(process.execPath, [CLI, ...args], {
        env: { PATH: process.env.PATH },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.on('data', (d) => (stdout += d));
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      // Interrupted once the first message is in place, whatever the speed of the machine.
      const written = () =>
        ['new', 'cur'].some(
          (d) => fs.existsSync(path.join(a.maildir, d)) && fs.readdirSync(path.join(a.maildir, d)).length > 0,
        );
      for (let i = 0; i < 6000 && !written(); i++) await new Promise((r) => setTimeout(r, 10));
      child.kill('SIGINT');
      expect(await closed).toBe(130);
      expect(stderr).toContain('interrupted (SIGINT)');
      expect(stderr).toContain('run the same command again to finish');
      const incomplete = /INBOX incomplete, (\d+) of 300 messages written: stopped by request/.exec(stdout);
      expect(Number(incomplete?.[1]), stdout).toBeLessThan(300);
      const again = await runCli(args);
      expect(again.code, again.stderr).toBe(0);
      expect(
        fs.readdirSync(path.join(a.maildir, 'new')).length + fs.readdirSync(path.join(a.maildir, 'cur')).length,
      ).toBe(300);
    },
  );
});
