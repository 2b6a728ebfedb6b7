import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource, symlinkMaildir, type Account } from '../support/accounts.js';
import { runCli, type CliResult } from '../support/cli.js';

/** The account's arguments with one option's value replaced (or the option dropped with `undefined`). */
function withOption(args: string[], option: string, value: string | undefined): string[] {
  const i = args.indexOf(option);
  if (i < 0) return value === undefined ? args : [...args, option, value];
  return value === undefined
    ? [...args.slice(0, i), ...args.slice(i + 2)]
    : [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

/** Whether that account can read the built CLI: not when the checkout sits under a 0700 directory. */
function cliReadableBy(uid: number, gid: number): boolean {
  const main = path.resolve('dist/src/cli/main.js');
  return spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', 'test', '-r', main]).status === 0;
}

/** The CLI run as a non-root account, as an admin without root would run it. */
function runCliAs(uid: number, gid: number, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'setpriv',
      [
        `--reuid=${uid}`,
        `--regid=${gid}`,
        '--clear-groups',
        process.execPath,
        path.resolve('dist/src/cli/main.js'),
        ...args,
      ],
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

describe('Ctrl-C', () => {
  it('SIGINT during an import: exit 130 with a word; the same command then finishes it', async () => {
    const a: Account = await makeAccount(sharedSource(), sampleMessages({ count: 300, seed: 75 }));
    const child = spawn(process.execPath, [path.resolve('dist/src/cli/main.js'), 'import', '--create', ...a.args], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
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
    const again = await runCli(['import', '--create', ...a.args]);
    expect(again.code, again.stderr).toBe(0);
    expect(
      fs.readdirSync(path.join(a.maildir, 'new')).length + fs.readdirSync(path.join(a.maildir, 'cur')).length,
    ).toBe(300);
  });
});
