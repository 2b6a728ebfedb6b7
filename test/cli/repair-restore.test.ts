import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { withSourceImap } from '../../scripts/lib/source-imap.js';
import { storedBytes } from '../support/stored-bytes.js';
import { uidlOfName } from '../../src/maildir/pop3d-listing.js';
import type { Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { copyOf, importedAccount } from '../support/imported-copy.js';

/** The files of a folder (the Maildir itself for the INBOX), sorted: path from the folder, name up to ':'. */
function filesOf(dir: string): { rel: string; name: string }[] {
  return ['cur', 'new']
    .flatMap((d) => fs.readdirSync(path.join(dir, d)).map((f) => ({ rel: `${d}/${f}`, name: uidlOfName(f) })))
    .sort((x, y) => x.rel.localeCompare(y.rel));
}

/** The journal's last record of each file name of a folder: its source UID. */
function uidOf(maildir: string, folder: string, name: string): number {
  const lines = fs.readFileSync(path.join(maildir, 'qmail-import.journal'), 'utf8').trim().split('\n');
  const records = lines.map((l) => JSON.parse(l) as { folder: string; name: string; uid: number });
  return records.filter((r) => r.folder === folder && r.name === name).at(-1)?.uid as number;
}

/** The source's bytes of one message, as stored here (LF). */
async function sourceBytes(a: Account, folder: string, uid: number): Promise<Buffer> {
  return withSourceImap(a.server, a.user, a.password, async (client) => {
    await client.mailboxOpen(folder, { readOnly: true });
    const m = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
    return storedBytes((m as { source: Buffer }).source);
  });
}

/** Cuts a file short by ten bytes, its mtime kept, as the morning's damaged file was. */
function truncateKeepingMtime(file: string): void {
  const { mtime, size } = fs.statSync(file);
  fs.truncateSync(file, size - 10);
  fs.utimesSync(file, mtime, mtime);
}

const mtimeOf = (file: string) => fs.statSync(file).mtimeMs;

describe('what verify finds, the import repairs; what is deleted here, --restore brings back', () => {
  let a: Account;

  beforeAll(async () => {
    a = await importedAccount(271, 6, { path: 'Archive', count: 3 });
  });

  it('an INBOX file cut short and one whose mtime moved are fetched again: same name, same mtime, verify passes', async () => {
    const c = copyOf(a, 'Maildir-damaged-inbox');
    const [cut, moved] = filesOf(c.maildir) as [{ rel: string; name: string }, { rel: string; name: string }];
    const cutFile = path.join(c.maildir, cut.rel);
    const movedFile = path.join(c.maildir, moved.rel);
    const [cutMtime, movedMtime] = [mtimeOf(cutFile), mtimeOf(movedFile)];
    truncateKeepingMtime(cutFile);
    // Later than every other message: qmail-pop3d now lists it last, out of the source's order.
    const later = new Date(Date.now() - 5000);
    fs.utimesSync(movedFile, later, later);
    const before = await runCli(['verify', ...c.args]);
    expect(before.code, before.stdout).toBe(1);
    expect(before.stdout).toContain(
      `${a.user}: next: the import with the same options fetches again each file it wrote`,
    );
    expect(before.stdout).toContain('(qmail-import(8), REPAIR)');

    const plan = await runCli(['import', '--dry-run', ...c.args]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('2 messages of "INBOX" to repair');
    expect(fs.statSync(cutFile).size).toBeLessThan(
      (await sourceBytes(a, 'INBOX', uidOf(c.maildir, 'INBOX', cut.name))).length,
    );

    const r = await runCli(['import', ...c.args]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('2 messages of "INBOX" repaired');
    expect(r.stdout).toContain(`uidl ${JSON.stringify(cut.name)}: `);
    expect(fs.readFileSync(cutFile)).toEqual(await sourceBytes(a, 'INBOX', uidOf(c.maildir, 'INBOX', cut.name)));
    expect([mtimeOf(cutFile), mtimeOf(movedFile)]).toEqual([cutMtime, movedMtime]);
    expect(filesOf(c.maildir)).toEqual(filesOf(a.maildir));
    const v = await runCli(['verify', ...c.args]);
    expect(v.code, v.stdout).toBe(0);
    // Repaired once: the next run finds every file as written.
    expect((await runCli(['import', ...c.args])).stdout).not.toContain('repaired');
  });

  it('a delta that reads no folder leaves the marks as they were; a file cut short after it is still repaired', async () => {
    const c = copyOf(a, 'Maildir-nothing-new');
    const marks = path.join(c.maildir, 'qmail-import.marks');
    const before = fs.statSync(marks);
    const quiet = await runCli(['import', '--json', ...c.args]);
    expect(quiet.code, quiet.stderr).toBe(0);
    const report = JSON.parse(quiet.stdout).users[0];
    expect([report.inbox, ...report.folders].every((f: { unchanged?: boolean }) => f.unchanged)).toBe(true);
    const after = fs.statSync(marks);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);

    const victim = filesOf(c.maildir)[2] as { rel: string; name: string };
    truncateKeepingMtime(path.join(c.maildir, victim.rel));
    const r = await runCli(['import', ...c.args]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 message of "INBOX" repaired');
  });

  it('a file of another folder cut short is fetched again under its name and mtime', async () => {
    const c = copyOf(a, 'Maildir-damaged-folder');
    const archive = path.join(c.maildir, '.Archive');
    const victim = filesOf(archive)[1] as { rel: string; name: string };
    const file = path.join(archive, victim.rel);
    const mtime = mtimeOf(file);
    truncateKeepingMtime(file);

    const r = await runCli(['import', ...c.args]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 message of "Archive" repaired');
    expect(fs.readFileSync(file)).toEqual(await sourceBytes(a, 'Archive', uidOf(c.maildir, 'Archive', victim.name)));
    expect(mtimeOf(file)).toBe(mtime);
    expect(filesOf(archive)).toEqual(filesOf(path.join(a.maildir, '.Archive')));
    expect((await runCli(['verify', ...c.args])).code).toBe(0);
  });

  it('deleted here stays deleted; --restore with a UIDL, FOLDER:UID or all brings it back as it was', async () => {
    const c = copyOf(a, 'Maildir-deleted-here');
    const archive = path.join(c.maildir, '.Archive');
    const [first, second] = filesOf(c.maildir) as [{ rel: string; name: string }, { rel: string; name: string }];
    const inArchive = filesOf(archive)[0] as { rel: string; name: string };
    const was = new Map(
      [
        [c.maildir, first],
        [c.maildir, second],
        [archive, inArchive],
      ].map(([dir, f]) => {
        const file = path.join(dir as string, (f as { rel: string }).rel);
        return [file, { bytes: fs.readFileSync(file), mtimeMs: mtimeOf(file) }] as const;
      }),
    );
    const uid = uidOf(c.maildir, 'Archive', inArchive.name);
    for (const file of was.keys()) fs.unlinkSync(file);

    // Each named as --restore takes it: the INBOX's by UIDL, the folder's as FOLDER:UID.
    const kept = await runCli(['import', '--full', ...c.args]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toContain(
      '2 messages of "INBOX" deleted here since the import, not brought back (--restore with one of these brings it back):',
    );
    expect(kept.stdout).toContain('1 message of "Archive" deleted here since the import, not brought back');
    for (const value of [first.name, second.name, `Archive:${uid}`]) expect(kept.stdout).toContain(`\n  ${value}\n`);
    expect([...was.keys()].filter((f) => fs.existsSync(f))).toEqual([]);
    const before = await runCli(['verify', ...c.args]);
    expect(before.code, before.stdout).toBe(0);
    expect(before.stdout).toContain('3 deleted here since the import');
    for (const value of [first.name, second.name, `Archive:${uid}`]) expect(before.stdout).toContain(`\n  ${value}\n`);
    const json = JSON.parse((await runCli(['verify', ...c.args, '--json'])).stdout).users[0];
    expect(json.folders.find((f: { name: string }) => f.name === 'Archive').sinceImport.deletedHereUids).toEqual([uid]);

    // Values that match nothing deleted here are named, and bring nothing back.
    const typos = ['99999.1', 'Nope:3', `Archive:${uid + 1000}`].flatMap((v) => ['--restore', v]);
    const none = await runCli(['import', ...c.args, ...typos]);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain('--restore 99999.1: nothing deleted here has that UIDL');
    expect(none.stdout).toContain('--restore Nope:3: no folder "Nope" among those this run read');
    expect(none.stdout).toContain(`--restore Archive:${uid + 1000}: nothing of "Archive" deleted here has that UID`);
    expect([...was.keys()].filter((f) => fs.existsSync(f))).toEqual([]);

    const byUidl = await runCli(['import', ...c.args, '--restore', first.name]);
    expect(byUidl.code, byUidl.stderr).toBe(0);
    expect(byUidl.stdout).toContain('1 message of "INBOX" deleted here since the import brought back (--restore)');
    expect(byUidl.stdout).not.toContain('nothing deleted here has that');
    expect([...was.keys()].map((f) => fs.existsSync(f))).toEqual([true, false, false]);

    const byUid = await runCli(['import', ...c.args, '--restore', `Archive:${uid}`]);
    expect(byUid.code, byUid.stderr).toBe(0);
    expect(byUid.stdout).toContain('1 message of "Archive" deleted here since the import brought back (--restore)');
    expect([...was.keys()].map((f) => fs.existsSync(f))).toEqual([true, false, true]);

    const all = await runCli(['import', ...c.args, '--restore', 'all']);
    expect(all.code, all.stderr).toBe(0);
    for (const [file, { bytes, mtimeMs }] of was) {
      expect(fs.readFileSync(file)).toEqual(bytes);
      expect(mtimeOf(file)).toBe(mtimeMs);
    }
    // POP3 clients find every message back where it was; IMAP clients that saw them deleted get
    // them under new UIDs, as a UID once expunged is never given again (docs/imap-uids.md).
    const v = await runCli(['verify', ...c.args, '--json']);
    expect(v.code, v.stdout).toBe(0);
    expect(JSON.parse(v.stdout).users[0].sinceImport).toMatchObject({ deletedHere: 0, newHere: 0 });
  });

  it('a batch whose verify fails names the import that repairs it, with --restore all where messages were deleted here', async () => {
    const c = copyOf(a, 'Maildir-batch');
    const [cut, gone] = filesOf(c.maildir) as [{ rel: string; name: string }, { rel: string; name: string }];
    truncateKeepingMtime(path.join(c.maildir, cut.rel));
    fs.unlinkSync(path.join(c.maildir, gone.rel));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-repair-'));
    const users = path.join(tmp, 'users');
    fs.writeFileSync(users, `${a.user}:${c.maildir}:${a.password}\n`, { mode: 0o600 });
    const source = a.args.slice(0, a.args.indexOf('--user'));
    const logDir = path.join(tmp, 'verify');
    const r = await runCli(['batch', ...source, '--users', users, '--mode', 'verify', '--log-dir', logDir, '--quiet']);
    expect(r.code, r.stderr).toBe(1);
    const failed = path.join(logDir, 'failed.txt');
    expect(r.stdout).toContain('batch: verify found differences in 1 account;');
    expect(r.stdout).not.toContain('to finish them');
    const command = ['qmail-import', 'batch', ...source, '--quiet', '--mode', 'both', '--users', failed];
    expect(r.stdout).toContain(`\n  ${[...command, '--restore', 'all'].join(' ')}\n`);

    // The command as printed, with a log directory of its own: it repairs, restores and verifies.
    const again = await runCli([...command.slice(1), '--restore', 'all', '--log-dir', path.join(tmp, 'repair')]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(filesOf(c.maildir)).toEqual(filesOf(a.maildir));
  });
});
