import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedFolders } from '../../scripts/lib/seed.js';
import { listLikeQmailPop3d } from '../../src/maildir/pop3d-listing.js';
import { scanMaildir } from '../../src/maildir/scan.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { sourcePop3Listing } from '../support/source-listing.js';

const BIG = 60_000;
const files = (dir: string) => ['new', 'cur'].flatMap((d) => fs.readdirSync(path.join(dir, d)));
const journal = (a: Account) => fs.readFileSync(path.join(a.maildir, 'qmail-import.journal'), 'utf8');

/** A Maildir++ quota file as vpopmail leaves one, owned by the mailbox owner. */
function withQuota(a: Account, text: string): void {
  const file = path.join(a.maildir, 'maildirsize');
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chownSync(file, a.owner.uid, a.owner.gid);
}

/** The bytes of every message file in the INBOX, as the file system has them. */
function storedBytes(maildir: string): number {
  return ['new', 'cur']
    .flatMap((dir) => fs.readdirSync(path.join(maildir, dir)).map((f) => path.join(maildir, dir, f)))
    .reduce((sum, file) => sum + fs.statSync(file).size, 0);
}

describe('--max-size: messages above it are skipped and reported, never truncated', () => {
  let a: Account;
  let first: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    const inbox = sampleMessages({ count: 8, seed: 71, sizes: [3_000] });
    inbox.splice(3, 0, ...sampleMessages({ count: 1, seed: 72, sizes: [BIG] }));
    a = await makeAccount(sharedSource(), inbox);
    const sent = sampleMessages({ count: 3, seed: 73, sizes: [2_000, BIG, 2_500] });
    await seedFolders(a.server, a.user, a.password, [{ path: 'Sent', messages: sent, subscribed: true }]);
    first = await runCli(['import', ...a.args, '--max-size', '20K', '--json']);
  });

  it('writes everything else, names each skipped message (folder, UID, UIDL in INBOX) in the report and the JSON, exit 0', async () => {
    expect(first.code, first.stderr).toBe(0);
    const r = JSON.parse(first.stdout).users[0];
    const { uidl } = await sourcePop3Listing(a);
    expect(r.inbox.overMaxSize).toEqual([{ uid: 4, uidl: uidl[3]!.uidl, size: expect.any(Number) }]);
    expect(r.inbox.overMaxSize[0].size).toBeGreaterThan(BIG);
    const sentReport = r.folders.find((f: { name: string }) => f.name === 'Sent');
    expect(sentReport.overMaxSize).toEqual([{ uid: 2, size: expect.any(Number) }]);
    expect(r.overMaxSize).toMatchObject({ limitBytes: 20 * 1024, messages: 2 });
    expect([r.inbox.written, sentReport.written]).toEqual([8, 2]);
    // Kept counts what is on disk: the message held back keeps no UIDL here.
    expect(first.stderr).toContain('INBOX imported 8 of 9 messages, 0 already there; 8 of 9 source UIDLs kept');
    expect(first.stderr).toContain('over --max-size 20480 bytes not copied ("INBOX" 1, "Sent" 1)');
    expect(first.stderr).toContain(`"INBOX" uid 4 uidl ${JSON.stringify(uidl[3]!.uidl)}`);
    expect(first.stderr).toContain('"Sent" uid 2:');
    expect(files(a.maildir)).toHaveLength(8);
    expect(files(path.join(a.maildir, '.Sent'))).toHaveLength(2);
    // No quota file: no quota in the report.
    expect(r.quota).toBeUndefined();
    expect(first.output).not.toContain('quota');
  });

  it('verify names the skipped messages as such and exits 0; --strict keeps the exact comparison', async () => {
    const v = await runCli(['verify', ...a.args]);
    expect(v.code, v.output).toBe(0);
    expect(v.stdout).toContain('OK, 8 of 9 source UIDLs');
    expect(v.stdout).toContain('2 not copied by the import (over its --max-size)');
    const json = JSON.parse((await runCli(['verify', ...a.args, '--json'])).stdout).users[0];
    expect(json.sinceImport).toMatchObject({ newHere: 0, deletedHere: 0, overMaxSize: 2 });
    expect(json.sinceImport.inbox.overMaxSize).toHaveLength(1);
    expect(json.diff.missing).toEqual([]);
    const strict = await runCli(['verify', ...a.args, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('1 missing here');
  });

  it('a run with the same limit reads the folders again, skips them again and adds nothing to the journal', async () => {
    const before = journal(a);
    const again = await runCli(['import', ...a.args, '--max-size', '20K', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const r = JSON.parse(again.stdout).users[0];
    expect(r.inbox.unchanged).toBeUndefined();
    expect(r.overMaxSize.messages).toBe(2);
    expect(journal(a)).toBe(before);
  });

  it('a run without it copies them, INBOX in the source order, and verify is OK', async () => {
    const r = await runCli(['import', ...a.args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout).users[0];
    expect(report.written.messages).toBe(2);
    expect(report.overMaxSize).toBeUndefined();
    const { uidl } = await sourcePop3Listing(a);
    const local = listLikeQmailPop3d(await scanMaildir(a.maildir, true, {}), Math.floor(Date.now() / 1000));
    expect(local.ties).toEqual([]);
    expect(local.messages.map((m) => m.uidl)).toEqual(uidl.map((u) => u.uidl));
    expect(files(path.join(a.maildir, '.Sent'))).toHaveLength(3);
    const v = await runCli(['verify', ...a.args]);
    expect(v.code, v.output).toBe(0);
    expect(v.stdout).toContain('OK, 9 of 9 source UIDLs');
    expect(v.stdout).not.toContain('not copied');
  });
});

describe('an account that ends over its maildirsize quota', () => {
  it('2.4 MB into 1000000S: everything copied, a warning and the quota in the JSON, exit 0', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 12, seed: 74, sizes: [200_000] }));
    withQuota(a, '1000000S\n');
    const dry = await runCli(['import', ...a.args, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).users[0].quota).toMatchObject({ usedMessages: 12, over: true });
    expect(dry.stderr).toContain('WARNING: the Maildir would end over its quota');
    const r = await runCli(['import', ...a.args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout).users[0];
    expect(report.inbox.written).toBe(12);
    expect(report.quota).toEqual({
      limitBytes: 1_000_000,
      limitMessages: null,
      // maildirsize counts what is on disk: the files' own sizes, not the importer's tally.
      usedBytes: storedBytes(a.maildir),
      usedMessages: 12,
      over: true,
    });
    expect(report.quota.usedBytes).toBeGreaterThan(2_300_000);
    expect(r.stderr).toMatch(
      /WARNING: the Maildir is over its quota: 2\.\d MB in 12 messages, maildirsize allows 1\.0 MB \(1000000S\); all mail was copied/,
    );
  });

  it('a message count quota under it: the field says so, no warning', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 75 }));
    withQuota(a, '0S,100C\n');
    const r = await runCli(['import', ...a.args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).users[0].quota).toMatchObject({
      limitBytes: null,
      limitMessages: 100,
      usedMessages: 3,
      over: false,
    });
    expect(r.stderr).not.toContain('WARNING');
  });
});

describe('batch', () => {
  it('shows messages over --max-size and accounts over quota in the summary, and exits 0', async () => {
    const server = sharedSource();
    const big = await makeAccount(server, [
      ...sampleMessages({ count: 2, seed: 76, sizes: [2_000] }),
      ...sampleMessages({ count: 1, seed: 77, sizes: [150_000] }),
    ]);
    const full = await makeAccount(server, sampleMessages({ count: 27, seed: 78, sizes: [90_000] }));
    withQuota(full, '1000000S\n');
    const users = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-users-')), 'users');
    fs.writeFileSync(users, [big, full].map((x) => `${x.user}:${x.maildir}:${x.password}\n`).join(''), { mode: 0o600 });
    const logs = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-logs-')), 'run');
    const conn = big.args.slice(0, big.args.indexOf('--user'));
    // The dry run's closing lines say what would happen, not that mail was copied.
    const dryArgs = ['batch', '--users', users, ...conn, '--max-size', '100K', '--quiet', '--dry-run'];
    const dry = await runCli([...dryArgs, '--log-dir', `${logs}-dry`]);
    expect(dry.stdout).toContain(`batch: 1 message over --max-size would not be copied (a run without it copies them)`);
    expect(dry.stdout).toContain('batch: would end over quota (all mail is copied; the box would refuse new mail');
    expect(dry.stdout).not.toContain('all mail copied');
    const r = await runCli(['batch', '--users', users, ...conn, '--max-size', '100K', '--log-dir', logs, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `batch: 1 message over --max-size not copied (a run without it copies them): ${big.user} (1)`,
    );
    expect(r.stdout).toMatch(
      new RegExp(
        `batch: over quota \\(all mail copied; the box refuses new mail for them\\): ${full.user} \\(2\\.\\d MB of 1\\.0 MB\\)`,
      ),
    );
    const summary = JSON.parse(fs.readFileSync(path.join(logs, 'summary.json'), 'utf8'));
    expect(summary.totals).toMatchObject({ overMaxSize: 1, overQuota: 1, needAttention: 0 });
    const row = (x: Account) => summary.accounts.find((s: { login: string }) => s.login === x.user);
    expect([row(big).overMaxSize, row(big).quota]).toEqual([1, null]);
    expect(row(full).quota).toMatchObject({ limitBytes: 1_000_000, usedMessages: 27, over: true });
    const text = fs.readFileSync(path.join(logs, 'summary.txt'), 'utf8');
    expect(text).toMatch(/max-size\s+quota/);
    expect(text).toMatch(new RegExp(`${full.user}\\s.*\\s0\\s+OVER`));
  });
});
