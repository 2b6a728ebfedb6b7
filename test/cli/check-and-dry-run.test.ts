import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sourceCliArgs } from '../../scripts/lib/source-cli-args.js';
import { seedFolders } from '../../scripts/lib/seed.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { sourcePop3Listing } from '../support/source-listing.js';

function usersFile(lines: string[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-users-')), 'users');
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

/** The connection options of an account, without its user, password and Maildir: what a batch shares. */
function connection(a: Account): string[] {
  return sourceCliArgs(a.server, 'tls');
}

/** A log directory of its own for each batch run (batch refuses one that exists). */
const logDir = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-logs-')), 'logs');

describe('check, batch --dry-run, and where the report goes', () => {
  let a: Account;
  let b: Account;

  beforeAll(async () => {
    [a, b] = await Promise.all([
      makeAccount(sharedSource(), sampleMessages({ count: 6, seed: 81 })),
      makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 82 })),
    ]);
    // Maildirs not made yet: what check says of them, and what a dry run must not create.
    for (const x of [a, b]) fs.rmdirSync(x.maildir);
    await seedFolders(a.server, a.user, a.password, [
      { path: 'Sent', messages: sampleMessages({ count: 2, seed: 83 }) },
    ]);
  });

  it('check logs in to IMAP and POP3, lists folders and counts, and touches nothing', async () => {
    const r = await runCli(['check', '--create', ...a.args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${a.user}: logins OK; IMAP: 2 folders (INBOX 6, Sent 2); POP3: 6 messages`);
    expect(r.stdout).toContain(`Maildir ${a.maildir} not there yet`);
    expect(fs.existsSync(a.maildir)).toBe(false);
  });

  it('check without --create names a missing Maildir as what the import would fail on: exit 1', async () => {
    const r = await runCli(['check', ...a.args]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(
      `${a.user}: the import would fail here: Maildir ${a.maildir} does not exist: create it, or run the import (and this check) with --create`,
    );
    expect(fs.existsSync(a.maildir)).toBe(false);
  });

  it('check --users --jobs 2: every account, a refused login named, exit 3', async () => {
    const file = usersFile([`${a.user}:${a.maildir}:${a.password}`, `${b.user}:${b.maildir}:wrong`]);
    const r = await runCli([
      'check',
      '--users',
      file,
      '--log-dir',
      logDir(),
      '--jobs',
      '2',
      ...connection(a),
      '--json',
    ]);
    // 3 only when no account reached the source; here one did.
    expect(r.code).toBe(1);
    const users = JSON.parse(r.stdout).users as {
      user: string;
      kind: string;
      pop3?: { messages: number };
      error?: { message: string };
    }[];
    expect(users.find((u) => u.user === a.user)).toMatchObject({ kind: 'check', pop3: { messages: 6 } });
    expect(users.find((u) => u.user === b.user)?.error?.message).toContain(`login as ${b.user} refused`);
    expect(fs.existsSync(a.maildir)).toBe(false);
  });

  it('batch --dry-run (mode both) plans with the bytes to copy, verifies nothing, writes nothing, exit 0', async () => {
    const file = usersFile([`${a.user}:${a.maildir}:${a.password}`, `${b.user}:${b.maildir}:${b.password}`]);
    const dryRun = (extra: string[]) =>
      runCli(['batch', '--users', file, '--log-dir', logDir(), '--dry-run', '--create', ...connection(a), ...extra]);
    const r = await dryRun([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.output).not.toContain('MISMATCH');
    expect(r.output).toMatch(/batch: dry run: 2 planned, [\d.]+ kB to copy in total/);
    const json = await dryRun(['--json']);
    const reports = JSON.parse(json.stdout).users as { user: string; kind: string; inbox: { bytesToWrite: number } }[];
    expect(reports.map((u) => u.kind)).toEqual(['import', 'import']);
    const sourceBytes = (await sourcePop3Listing(b)).list.reduce((n, m) => n + m.size, 0);
    expect(reports.find((u) => u.user === b.user)?.inbox.bytesToWrite).toBe(sourceBytes);
    expect(fs.existsSync(a.maildir) || fs.existsSync(b.maildir)).toBe(false);
  });

  it('the human report goes to stdout (for | tee), JSON alone on stdout with --json', async () => {
    const r = await runCli(['import', '--create', ...b.args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${b.user}: INBOX imported 3 of 3 messages`);
    expect(r.stderr).toBe('');
    const v = await runCli(['verify', ...b.args, '--json']);
    expect(JSON.parse(v.stdout).users[0].kind).toBe('verify');
    expect(v.stderr).toContain(`${b.user}: OK`);
  });
});
