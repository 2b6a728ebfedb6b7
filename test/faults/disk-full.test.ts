import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedFolders } from '../../scripts/lib/seed.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import type { ImportReport } from '../../src/report/types.js';
import { snapshotAllFolders, uidListsOf, type TreeEntry } from '../support/maildir-tree.js';

// A full disk, too few inodes, RLIMIT_FSIZE on the messages and on the journal: the run stops or
// skips with the error named, leaves only complete messages visible, tmp/ clean, the journal
// readable and maildirsize equal to what is on disk; once there is room, a re-run completes.

const HANG_MS = 120_000;
const QUOTA_HEAD = '1000000000S\n';
/** A local write error (a full disk, a file size limit) is the folder's, not the source's: exit 1. */
const LOCAL_WRITE_FAILED = 1;

let a: Account;
let reference: Record<string, TreeEntry[]>;
const mounts: string[] = [];

/** A home on a tmpfs of its own (size and inodes as given), owned by the mailbox owner, with a maildirsize. */
function smallDisk(options: string): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `${options},mode=0755`, 'tmpfs', home]);
  mounts.push(home);
  fs.chownSync(home, a.owner.uid, a.owner.gid);
  const maildir = path.join(home, 'Maildir');
  fs.mkdirSync(maildir, { mode: 0o700 });
  fs.writeFileSync(path.join(maildir, 'maildirsize'), QUOTA_HEAD, { mode: 0o600 });
  for (const p of [maildir, path.join(maildir, 'maildirsize')]) fs.chownSync(p, a.owner.uid, a.owner.gid);
  return maildir;
}

function fileOf(maildir: string, folder: string, e: TreeEntry): string {
  return path.join(maildir, folder === 'INBOX' ? '' : folder, e.path);
}

function importInto(maildir: string, wrapper: string[] = [], extra: string[] = []) {
  return runCli(
    ['import', '--create', ...extra, ...a.args.map((x) => (x === a.maildir ? maildir : x))],
    {},
    { timeoutMs: HANG_MS, wrapper },
  );
}

/**
 * What must hold after any run, finished or not: every visible message is one of the reference's,
 * whole (same name, bytes, mtime, owner, mode); tmp/ holds nothing; every journal line but a cut
 * one is an entry naming a file that is there; maildirsize adds up to what is on disk.
 */
function expectConsistent(maildir: string): void {
  const tree = snapshotAllFolders(maildir);
  let bytes = 0;
  let count = 0;
  const names = new Set<string>();
  for (const [folder, entries] of Object.entries(tree))
    for (const e of entries) {
      expect(e.path.startsWith('tmp/'), `${folder}/${e.path} left in tmp/`).toBe(false);
      expect(reference[folder], `${folder}/${e.path}`).toContainEqual(e);
      bytes += fs.statSync(fileOf(maildir, folder, e)).size;
      count += 1;
      names.add(e.path.slice(4).split(':')[0] as string);
    }
  const quota = fs.readFileSync(path.join(maildir, 'maildirsize'), 'utf8');
  expect(quota.startsWith(QUOTA_HEAD) && quota.endsWith('\n')).toBe(true);
  const used = quota.slice(QUOTA_HEAD.length).split('\n').filter(Boolean);
  expect(used.reduce((n, l) => n + Number(l.split(' ')[0]), 0)).toBe(bytes);
  expect(used.reduce((n, l) => n + Number(l.split(' ')[1]), 0)).toBe(count);
  const journal = path.join(maildir, 'qmail-import.journal');
  const lines = fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean) : [];
  const parsed = lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as { name: string; folder: string }];
    } catch {
      return [];
    }
  });
  expect(lines.length - parsed.length).toBeLessThanOrEqual(1);
  for (const e of parsed.filter((p) => p.folder !== 'Old')) expect(names).toContain(e.name);
}

beforeAll(async () => {
  // About 1.4 MB in 50 messages of 0.9 to 150 KB.
  a = await makeAccount(sharedSource(), sampleMessages({ count: 40, seed: 500 }));
  await seedFolders(sharedSource(), a.user, a.password, [
    { path: 'Sent', messages: sampleMessages({ count: 10, seed: 501 }), subscribed: true },
  ]);
  const r = await runCli(['import', ...a.args]);
  expect(r.code, r.stderr).toBe(0);
  reference = snapshotAllFolders(a.maildir);
});

afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', [m]);
});

/**
 * The report (--json) of a run cut short still says, for every folder of the source, what it
 * wrote: its written count is the number of files on disk there (the Maildir starts empty).
 */
function expectTrueCounts(stdout: string, maildir: string): ImportReport {
  const report = (JSON.parse(stdout) as { users: ImportReport[] }).users[0] as ImportReport;
  const onDisk = snapshotAllFolders(maildir);
  const counted = Object.fromEntries([
    ['INBOX', report.inbox.written],
    ...report.folders.map((f) => [f.dir ?? f.name, f.written]),
  ]);
  expect(Object.keys(counted).sort()).toEqual(Object.keys(reference).sort());
  for (const folder of Object.keys(reference)) expect(counted[folder], folder).toBe(onDisk[folder]?.length ?? 0);
  return report;
}

/** The re-run once the limit is lifted completes: the whole source, consistent, and the box's UID
 *  lists those of a clean import (every message under its source UID, docs/imap-uids.md). */
async function expectRerunCompletes(maildir: string): Promise<void> {
  const again = await importInto(maildir);
  expect(again.code, again.stderr).toBe(0);
  expect(snapshotAllFolders(maildir)).toEqual(reference);
  expectConsistent(maildir);
  expect(uidListsOf(maildir)).toEqual(uidListsOf(a.maildir));
}

describe('disk full and write errors', () => {
  it.each([
    ['a disk that fills up', 'after space is freed', 'size=600k', 'size=8m', 'ENOSPC (disk full'],
    ['too few inodes', 'with more', 'size=8m,nr_inodes=40', 'nr_inodes=1000', 'ENOSPC'],
  ])(
    '%s: stopped with ENOSPC named, consistent; the re-run %s completes',
    async (_what, _rerun, mountOptions, remountOptions, named) => {
      const maildir = smallDisk(mountOptions);
      const r = await importInto(maildir);
      expect(r.code).toBe(LOCAL_WRITE_FAILED);
      expect(r.output).toContain(named);
      expectConsistent(maildir);
      execFileSync('mount', ['-o', `remount,${remountOptions}`, path.dirname(maildir)]);
      await expectRerunCompletes(maildir);
    },
  );

  it('RLIMIT_FSIZE below the biggest messages: those are named (EFBIG), the rest imported; no limit, all', async () => {
    const maildir = smallDisk('size=8m');
    const r = await importInto(maildir, ['prlimit', '--fsize=65536', '--']);
    expect(r.code).toBe(1);
    expect(r.output).toContain('EFBIG');
    expectConsistent(maildir);
    const count = (tree: Record<string, TreeEntry[]>) => Object.values(tree).flat().length;
    const big = Object.entries(reference).flatMap(([f, entries]) =>
      entries.filter((e) => fs.statSync(fileOf(a.maildir, f, e)).size > 65536),
    );
    expect(big.length).toBeGreaterThan(0);
    expect(count(reference) - count(snapshotAllFolders(maildir))).toBe(big.length);
    await expectRerunCompletes(maildir);
  });

  it('the journal reaching RLIMIT_FSIZE: the folder stops, the cut line does not swallow the next run’s entries', async () => {
    const maildir = smallDisk('size=8m');
    const journal = path.join(maildir, 'qmail-import.journal');
    const old = `${JSON.stringify({ folder: 'Old', uidValidity: '1', uid: 1, name: 'x', sha256: '0' })}\n`;
    // 300 bytes short of the 160 KiB limit: a message or two fit, then the journal is cut.
    fs.writeFileSync(journal, old.repeat(Math.floor((160 * 1024 - 300) / old.length)), { mode: 0o600 });
    fs.chownSync(journal, a.owner.uid, a.owner.gid);
    const r = await importInto(maildir, ['prlimit', `--fsize=${160 * 1024}`, '--'], ['--json']);
    expect(r.code).toBe(LOCAL_WRITE_FAILED);
    expect(r.output).toContain(`write(${journal}) failed: EFBIG`);
    // Every folder is there with what it wrote, beside the journal's error; none "not imported".
    const report = expectTrueCounts(r.stdout, maildir);
    expect(report.inbox.written + report.folders.reduce((n, f) => n + f.written, 0)).toBeGreaterThan(0);
    expect(r.stderr).not.toContain('not imported');
    expect(r.stderr).toMatch(/INBOX incomplete, \d+ of 40 messages written: write\(.*\) failed: EFBIG/);
    expectConsistent(maildir);
    await expectRerunCompletes(maildir);
    // Every entry the re-run wrote is whole: the cut line was ended before the first of them.
    const lines = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    const parses = (l: string) => {
      try {
        return JSON.parse(l) !== null;
      } catch {
        return false;
      }
    };
    const fresh = lines.slice(lines.findIndex((l) => !parses(l)) + 1);
    expect(fresh.length).toBeGreaterThan(0);
    for (const l of fresh) expect(parses(l), l).toBe(true);
  });

  // Bookkeeping files written after the mail, each made unwritable in a way that does not depend on
  // when a disk fills (a directory in the file's place: the rename over it fails, the read of
  // it is refused); --full, as the marks are not read then.
  it.each([
    ['qmail-import.marks', /qmail-import\.marks.*failed: EISDIR/],
    ['courierimapsubscribed', /courierimapsubscribed is not a regular file/],
  ] as const)(
    '%s cannot be written: every folder still reported with what it wrote, the file named, exit 1; the re-run completes',
    async (file, error) => {
      const maildir = smallDisk('size=8m');
      fs.mkdirSync(path.join(maildir, file, 'x'), { recursive: true });
      const r = await importInto(maildir, [], ['--json', '--full']);
      expect(r.code, r.stderr).toBe(LOCAL_WRITE_FAILED);
      const report = expectTrueCounts(r.stdout, maildir);
      expect(report.inbox.written).toBe(40);
      expect(report.folders.map((f) => [f.name, f.written, f.error])).toEqual([['Sent', 10, undefined]]);
      expect(report.bookkeepingErrors).toHaveLength(1);
      expect(report.bookkeepingErrors?.[0]).toMatch(error);
      // The text report too: the counts, then the file besides the mail not written.
      expect(r.stderr).toContain('INBOX imported 40 of 40 messages');
      expect(r.stderr).toContain('imported 10 of 10 messages');
      expect(r.stderr).toContain('1 file besides the mail not written');
      expect(r.stderr).toMatch(error);
      expectConsistent(maildir);
      fs.rmSync(path.join(maildir, file), { recursive: true });
      await expectRerunCompletes(maildir);
    },
  );
});
