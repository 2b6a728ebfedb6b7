import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceCliArgs } from '../../scripts/lib/source-cli-args.js';
import { seedMailbox } from '../../scripts/lib/seed.js';
import { SOURCE_ADMIN } from '../../scripts/lib/source-server.js';
import { sampleMessages, sharedSource } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { VpopmailTree } from '../support/vpopmail-tree.js';

const ACCOUNTS = 50;

function secretFile(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-users-')), 'users');
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** The night's accounts as the README names them: a vpopmail domain, read by the admin login on
 *  behalf of each local part. */
function adminDomain(domain: string, adminPasswordFile: string, tree: VpopmailTree): string[] {
  return [
    '--domain',
    domain,
    '--admin-user',
    SOURCE_ADMIN.user,
    '--admin-password-file',
    adminPasswordFile,
    '--login-format',
    '%u',
    '--vpopmail-home',
    tree.home,
  ];
}

describe('batch over a vpopmail tree', () => {
  it('runs 50 accounts 4 at a time: one wrong password, one missing domain; logs, summary, failed.txt; the retry of failed.txt exits 0', async () => {
    const server = sharedSource();
    const tree = new VpopmailTree();
    const tag = `v${process.pid}`;
    const users = Array.from({ length: ACCOUNTS }, (_, i) => `${tag}n${i}`);
    const password = (u: string) => `pw-${u}-secret`;
    for (const u of users) server.addUser(u, password(u));
    for (let i = 0; i < ACCOUNTS; i += 10)
      await Promise.all(
        users
          .slice(i, i + 10)
          .map((u, j) =>
            seedMailbox(server, u, password(u), sampleMessages({ count: 2, seed: i + j, sizes: [900, 2_500] })),
          ),
      );
    // example.test has a vpasswd; hashed.test sits in a hashed domain directory and has none.
    tree.addDomain('example.test', users.slice(0, 40));
    const hashedHomes = tree.addDomain('hashed.test', users.slice(40, 49), { hashedDomain: true, vpasswd: false });
    const wrong = users[7] as string;
    const lost = users[49] as string;
    const lines = users.map((u, i) => {
      const domain = i < 40 ? 'example.test' : i < 49 ? 'hashed.test' : 'missing.test';
      if (i === 41) return `${u}:${hashedHomes[1]}/Maildir:${password(u)}`;
      return `${u}@${domain}::${u === wrong ? 'not-the-password' : password(u)}`;
    });
    const usersFile = secretFile(`# the migration night\n${lines.join('\n')}\n`);
    const logDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-logs-')), 'run1');
    const conn = sourceCliArgs(server, 'none');
    const common = ['--create', '--jobs', '4', '--login-format', '%u', '--vpopmail-home', tree.home, ...conn];

    // The bulk copy (import only: verify is shown by the retry).
    const r = await runCli(['batch', '--mode', 'import', '--users', usersFile, '--log-dir', logDir, ...common]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.output).toContain(
      `${ACCOUNTS} accounts: 48 done, 2 failed, 0 partial, 0 not started; 2 need attention; 96 messages`,
    );
    expect(r.output).toContain(
      `batch: to finish them (the same options, a log directory of its own): qmail-import batch --mode import ${common.join(' ')} --users ${logDir}/failed.txt\n`,
    );
    expect(fs.statSync(logDir).mode & 0o777).toBe(0o700);

    const summary = JSON.parse(fs.readFileSync(path.join(logDir, 'summary.json'), 'utf8'));
    expect(summary.exitCode).toBe(1);
    expect(summary.totals).toMatchObject({ accounts: ACCOUNTS, done: 48, failed: 2, needAttention: 2, messages: 96 });
    const byAccount = new Map(summary.accounts.map((a: { account: string }) => [a.account, a]));
    expect(byAccount.get(`${wrong}@example.test`)).toMatchObject({ status: 'failed', exitCode: 3, messages: 0 });
    expect(byAccount.get(`${lost}@missing.test`)).toMatchObject({ status: 'failed', exitCode: 1, maildir: null });
    expect((byAccount.get(`${lost}@missing.test`) as { error: string }).error).toContain('no domain missing.test');
    const fine = summary.accounts.filter((a: { exitCode: number }) => a.exitCode === 0);
    expect(fine).toHaveLength(48);
    for (const a of fine)
      expect(a).toMatchObject({
        status: 'done',
        messages: 2,
        uidlsKept: 2,
        uidlsUnmatched: 0,
        uidlsUnrepresentable: 0,
        folders: 1,
        verify: 'not-run',
      });
    // Resolved the vpopmail way: vpasswd's home, and a hashed user directory found without one.
    expect(byAccount.get(`${users[3]}@example.test`)).toMatchObject({
      maildir: expect.stringMatching(/example\.test\/3\/.*\/Maildir$/),
    });
    const inHashed = users[43] as string;
    expect(byAccount.get(`${inHashed}@hashed.test`)).toMatchObject({
      maildir: expect.stringMatching(/domains\/h\/hashed\.test\/3\//),
    });
    expect(
      fs.readdirSync(path.join((byAccount.get(`${inHashed}@hashed.test`) as { maildir: string }).maildir, 'new'))
        .length +
        fs.readdirSync(path.join((byAccount.get(`${inHashed}@hashed.test`) as { maildir: string }).maildir, 'cur'))
          .length,
    ).toBe(2);

    const text = fs.readFileSync(path.join(logDir, 'summary.txt'), 'utf8');
    expect(text).toMatch(new RegExp(`^${wrong}@example.test +failed +3 `, 'm'));
    expect(fs.readFileSync(path.join(logDir, 'failed.txt'), 'utf8')).toBe(`${lines[7]}\n${lines[49]}\n`);
    const logs = fs.readdirSync(logDir).filter((f) => f.endsWith('.log'));
    expect(logs).toHaveLength(ACCOUNTS);
    expect(fs.readFileSync(path.join(logDir, `${wrong}@example.test.log`), 'utf8')).toContain(
      `login as ${wrong} refused`,
    );
    expect(fs.readFileSync(path.join(logDir, `${users[0]}@example.test.log`), 'utf8')).toMatch(
      /import exit 0\n.*INBOX imported 2 of 2/,
    );
    for (const f of fs.readdirSync(logDir).filter((n) => n !== 'failed.txt'))
      expect(fs.readFileSync(path.join(logDir, f), 'utf8')).not.toMatch(/pw-|not-the-password/);
    expect(r.stderr + r.stdout).not.toMatch(/pw-|not-the-password/);

    // The morning after: the password fixed in failed.txt, the missing domain created.
    const failed = path.join(logDir, 'failed.txt');
    fs.writeFileSync(failed, fs.readFileSync(failed, 'utf8').replace('not-the-password', password(wrong)));
    tree.addDomain('missing.test', [lost]);
    const retryDir = path.join(path.dirname(logDir), 'run2');
    const retry = await runCli(['batch', '--users', failed, '--log-dir', retryDir, ...common]);
    expect(retry.code, retry.stderr).toBe(0);
    const again = JSON.parse(fs.readFileSync(path.join(retryDir, 'summary.json'), 'utf8'));
    expect(
      again.accounts.map((a: { account: string; status: string; verify: string }) => [a.account, a.status, a.verify]),
    ).toEqual([
      [`${wrong}@example.test`, 'done', 'ok'],
      [`${lost}@missing.test`, 'done', 'ok'],
    ]);
    expect(fs.readFileSync(path.join(retryDir, 'failed.txt'), 'utf8')).toBe('');
  });

  it('--domain takes the accounts from vpopmail and logs in as --admin-user on behalf of each', async () => {
    const server = sharedSource();
    const tree = new VpopmailTree();
    const users = [1, 2].map((i) => `v${process.pid}d${i}`);
    for (const u of users) server.addUser(u, `pw-${u}`);
    await seedMailbox(server, users[0] as string, `pw-${users[0]}`, sampleMessages({ count: 3, seed: 90 }));
    tree.addDomain('admin.test', users);
    const adminPassword = secretFile(`${SOURCE_ADMIN.password}\n`);
    const logDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-logs-')), 'run');
    const r = await runCli([
      'batch',
      '--create',
      ...adminDomain('admin.test', adminPassword, tree),
      ...sourceCliArgs(server, 'none'),
      '--log-dir',
      logDir,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(
      doc.accounts.map((a: { account: string; login: string; messages: number; verify: string }) => [
        a.account,
        a.login,
        a.messages,
        a.verify,
      ]),
    ).toEqual([
      [`${users[0]}@admin.test`, users[0], 3, 'ok'],
      [`${users[1]}@admin.test`, users[1], 0, 'ok'],
    ]);
    expect(fs.readFileSync(path.join(logDir, `${users[0]}@admin.test.log`), 'utf8')).toContain(
      `login ${SOURCE_ADMIN.user} for ${users[0]}`,
    );
    expect(r.stdout + r.stderr + fs.readFileSync(path.join(logDir, 'summary.txt'), 'utf8')).not.toContain(
      SOURCE_ADMIN.password,
    );
  });

  it('check takes the accounts as batch does (--domain, --login-format, --admin-user), says check, leaves no log directory, and names a new/ the owner cannot write', async () => {
    const server = sharedSource();
    const tree = new VpopmailTree();
    const users = [1, 2].map((i) => `v${process.pid}c${i}`);
    for (const u of users) server.addUser(u, `pw-${u}`);
    await seedMailbox(server, users[0] as string, `pw-${users[0]}`, sampleMessages({ count: 2, seed: 93 }));
    // Made the way vadduser makes them: each account has its Maildir already.
    const homes = tree.addDomain('check.test', users, { vpasswd: false });
    const adminPassword = secretFile(`${SOURCE_ADMIN.password}\n`);
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-cwd-'));
    const check = () =>
      runCli(
        ['check', ...adminDomain('check.test', adminPassword, tree), ...sourceCliArgs(server, 'none')],
        {},
        { cwd },
      );
    const r = await check();
    expect(r.code, r.output).toBe(0);
    for (const u of users) expect(r.stdout).toContain(`${u}: logins OK; IMAP: `);
    expect(r.stdout).toContain(`${users[0]}: logins OK; IMAP: 1 folder (INBOX 2); POP3: 2 messages`);
    // A look writes nothing, and its totals do not talk of writing.
    expect(r.output).toMatch(
      /^check: 2 accounts: 2 done, 0 failed, 0 partial, 0 not started; 0 need attention in \d+ s$/m,
    );
    expect(r.output).not.toMatch(/^batch:/m);
    expect(fs.readdirSync(cwd)).toEqual([]);

    // A new/ left to root: every message's link() would fail there; check says so first.
    const maildir = path.join(homes[1] as string, 'Maildir');
    fs.chownSync(path.join(maildir, 'new'), 0, 0);
    fs.chmodSync(path.join(maildir, 'new'), 0o755);
    const blocked = await check();
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain(
      `${users[1]}: the import would fail here: ${maildir}/new is owned by root:root, mode 0755: ${tree.owner.name}, whom the import writes as, cannot create files in it`,
    );
    expect(blocked.output).toContain(`check: need attention: ${users[1]}@check.test (done, exit 1)`);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });
});
