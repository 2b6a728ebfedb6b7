import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceCliArgs } from '../../scripts/lib/source-cli-args.js';
import type { SourceServer } from '../../scripts/lib/source-server.js';
import { makeAccount, sampleMessages, sharedSource } from '../support/accounts.js';
import { runCli, type CliResult } from '../support/cli.js';

function logDir(): string[] {
  return ['--log-dir', path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-logs-')), 'run')];
}

function usersFile(lines: string[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-users-')), 'users');
  fs.writeFileSync(file, `# batch test\n${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

/** A batch over the source by TLS, with a log directory of its own, JSON on stdout and no progress. */
function jsonBatch(server: SourceServer, args: string[]): Promise<CliResult> {
  return runCli(['batch', ...args, ...sourceCliArgs(server, 'tls'), ...logDir(), '--json', '--quiet']);
}

describe('batch', () => {
  it('imports and verifies every user, goes on past a failing one, and exits 1 when some need attention', async () => {
    const server = sharedSource();
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map((i) => makeAccount(server, sampleMessages({ count: 5 + i, seed: 40 + i }))),
    );
    const file = usersFile([
      `${a!.user}:${a!.maildir}:${a!.password}`,
      `${b!.user}:${b!.maildir}:wrong-password`,
      '',
      `${c!.user}:${c!.maildir}:${c!.password}`,
    ]);
    const r = await jsonBatch(server, ['--create', '--users', file, '--jobs', '2']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout);
    const got = doc.users
      .map((u: { user: string; kind: string; error?: { message: string } }) => [
        u.user,
        u.kind,
        u.error ? 'error' : 'ok',
      ])
      .sort();
    expect(got).toEqual(
      [
        [a!.user, 'import', 'ok'],
        [a!.user, 'verify', 'ok'],
        [b!.user, 'import', 'error'],
        [c!.user, 'import', 'ok'],
        [c!.user, 'verify', 'ok'],
      ].sort(),
    );
    // The reason is in the JSON, the summary, the account's log and the report (on stderr: --json).
    expect(doc.accounts.find((x: { account: string }) => x.account === b!.user).error).toContain(
      `${b!.user}: imap 127.0.0.1:${server.imapsPort}: login as ${b!.user} refused`,
    );
    expect(fs.readFileSync(path.join(doc.logDir, `${b!.user}.log`), 'utf8')).toContain(`login as ${b!.user} refused`);
    expect(r.stderr).toContain(`batch: need attention: ${b!.user} (failed, exit 3)`);
    expect(r.stderr).toContain(`${b!.user}: import exit 3: `);
    expect(doc.accounts.find((x: { account: string }) => x.account === b!.user)).toMatchObject({ exitCode: 3 });
    expect(r.stderr).not.toContain('wrong-password');
    expect(
      fs.readdirSync(path.join(c!.maildir, 'new')).length + fs.readdirSync(path.join(c!.maildir, 'cur')).length,
    ).toBe(8);
    expect(fs.readdirSync(b!.maildir)).toEqual([]);
  });

  it('takes the password from --password-file for lines without one', async () => {
    const server = sharedSource();
    const a = await makeAccount(server, sampleMessages({ count: 2, seed: 50 }));
    const r = await runCli([
      'batch',
      '--users',
      usersFile([`${a.user}:${a.maildir}`]),
      '--mode',
      'import',
      '--create',
      '--password-file',
      a.passwordFile,
      ...sourceCliArgs(server, 'tls'),
      ...logDir(),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 account: 1 done, 0 failed, 0 partial, 0 not started; 0 need attention; 2 messages');
  });

  it('--mode verify checks every user without importing, jobs at a time', async () => {
    const server = sharedSource();
    const [a, b] = await Promise.all(
      [1, 2].map((i) => makeAccount(server, sampleMessages({ count: 3, seed: 55 + i }))),
    );
    expect((await runCli(['import', '--create', ...a!.args])).code).toBe(0);
    const file = usersFile([`${a!.user}:${a!.maildir}:${a!.password}`, `${b!.user}:${b!.maildir}:${b!.password}`]);
    const r = await jsonBatch(server, ['--users', file, '--mode', 'verify', '--jobs', '2']);
    // b was never imported: its Maildir does not exist, which verify reports for b alone.
    expect(r.code).toBe(1);
    const kinds = JSON.parse(r.stdout)
      .users.map((u: { user: string; kind: string; error?: unknown }) => [u.user, u.kind, u.error ? 'error' : 'ok'])
      .sort();
    expect(kinds).toEqual(
      [
        [a!.user, 'verify', 'ok'],
        [b!.user, 'verify', 'error'],
      ].sort(),
    );
    expect(fs.readdirSync(b!.maildir)).toEqual([]);
  });

  it('exits 3 when no account gets through to the source', async () => {
    const server = sharedSource();
    const [a, b] = await Promise.all(
      [1, 2].map((i) => makeAccount(server, sampleMessages({ count: 1, seed: 60 + i }))),
    );
    const file = usersFile([`${a!.user}:${a!.maildir}:wrong`, `${b!.user}:${b!.maildir}:wrong`]);
    const r = await runCli(['batch', '--users', file, ...sourceCliArgs(server, 'none'), ...logDir(), '--quiet']);
    expect(r.code, r.stderr).toBe(3);
  });

  it.each([
    [['alice'], 'line 2: expected USER:MAILDIR[:PASSWORD]'],
    [['alice:relative/Maildir:pw'], 'line 2: the second field (MAILDIR) is not an absolute path'],
    [
      ['alice:/tmp/qi-same/Maildir:pw', 'bob:/tmp/qi-same/Maildir:pw'],
      'line 3: maildir /tmp/qi-same/Maildir already named on line 2',
    ],
    [['alice:/tmp/qi-nopw/Maildir'], 'line 2 (alice) gives no password'],
  ])('refuses users file %j with exit 2 before touching anyone', async (lines, message) => {
    const r = await runCli(['batch', '--users', usersFile(lines), '--host', '127.0.0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
