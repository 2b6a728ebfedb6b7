import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lockMaildir } from '../../src/maildir/lock.js';
import { seedFolders } from '../../scripts/lib/seed.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { CLI, runCli, withOption } from '../support/cli.js';
import { snapshotAllFolders, snapshotMaildir, type TreeEntry } from '../support/maildir-tree.js';
import { withSourceImap } from '../../scripts/lib/source-imap.js';
import { deleteFromSourceInbox } from '../support/source-changes.js';

const allMessages = snapshotAllFolders;

function withMaildir(a: Account, maildir: string): string[] {
  return a.args.map((x) => (x === a.maildir ? maildir : x));
}

/** Starts an import and SIGKILLs it (its whole process group) after `ms`. */
function killedImport(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'import', '--create', ...args], {
      detached: true,
      stdio: 'ignore',
    });
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A fresh account with an INBOX and a subscribed Sent (its messages seeded from `seed` and
 *  `seed + 1`), imported once; with what that import wrote. */
async function importedWithSent(seed: number, inbox: number, sent: number) {
  const a = await makeAccount(sharedSource(), sampleMessages({ count: inbox, seed }));
  await seedFolders(sharedSource(), a.user, a.password, [
    { path: 'Sent', messages: sampleMessages({ count: sent, seed: seed + 1 }), subscribed: true },
  ]);
  expect((await runCli(['import', '--create', ...a.args])).code).toBe(0);
  return { a, before: allMessages(a.maildir) };
}

describe('interrupted and repeated imports', () => {
  let a: Account;
  beforeAll(async () => {
    a = await makeAccount(sharedSource(), []);
    await seedFolders(sharedSource(), a.user, a.password, [
      { path: 'INBOX', messages: sampleMessages({ count: 150, seed: 100 }) },
      { path: 'Sent', messages: sampleMessages({ count: 40, seed: 101 }), subscribed: true },
      { path: 'Archive', messages: sampleMessages({ count: 40, seed: 102 }), subscribed: true },
    ]);
  });

  it('killed with -9 at 20 points and run again, ends exactly like an uninterrupted run', async () => {
    const reference = await runCli(['import', '--create', ...a.args]);
    expect(reference.code, reference.stderr).toBe(0);
    const interrupted = path.join(path.dirname(a.maildir), 'Maildir-interrupted');
    let seed = 7;
    const kills: number[] = [];
    for (let i = 0; i < 20; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      kills.push(200 + (seed % 1800));
      await killedImport(withMaildir(a, interrupted), kills[i] as number);
    }
    const last = await runCli(['import', '--create', ...withMaildir(a, interrupted)]);
    expect(last.code, `${last.stderr}\nkilled after ${kills.join(', ')} ms`).toBe(0);
    expect(allMessages(interrupted)).toEqual(allMessages(a.maildir));
    for (const d of Object.keys(allMessages(interrupted)))
      expect(fs.readdirSync(path.join(interrupted, d === 'INBOX' ? '' : d, 'tmp'))).toEqual([]);
    expect(fs.existsSync(path.join(interrupted, 'qmail-import.lock'))).toBe(false);
    // A kill that lands while the box's doveadm holds dovecot-uidlist.lock makes a later run wait
    // that lock out (IMAP_SERVER_LOCK_STALE_SEC, as Dovecot does): once in a loaded suite run.
  }, 300_000);

  it('a delta run brings new messages and new flags, and changes nothing else', async () => {
    const { a: b, before } = await importedWithSent(110, 10, 5);

    await withSourceImap(b.server, b.user, b.password, async (client) => {
      await client.mailboxOpen('INBOX');
      await client.messageFlagsAdd('1:3', ['\\Seen', '\\Flagged']);
      await client.append('INBOX', sampleMessages({ count: 1, seed: 112 })[0]!.raw, []);
      await client.append('Sent', sampleMessages({ count: 1, seed: 113 })[0]!.raw, ['\\Seen']);
    });

    const delta = await runCli(['import', '--create', ...b.args, '--json']);
    expect(delta.code, delta.stderr).toBe(0);
    const doc = JSON.parse(delta.stdout).users[0];
    expect([doc.inbox.toWrite, doc.inbox.reflagged, doc.folders[0].toWrite, doc.folders[0].reflagged]).toEqual([
      1, 3, 1, 0,
    ]);
    const after = allMessages(b.maildir);
    const unchanged = (t: TreeEntry[]) => t.filter((f) => !f.path.startsWith('tmp/'));
    // Every file from before is still there, byte for byte with its mtime; the three re-flagged only renamed.
    const key = (f: TreeEntry) => `${f.path.slice(4).split(':')[0]} ${f.sha256} ${f.mtimeSec}`;
    expect(unchanged(after.INBOX!).map(key)).toEqual(expect.arrayContaining(unchanged(before.INBOX!).map(key)));
    expect(unchanged(after.INBOX!).filter((f) => /:2,.*F.*S/.test(f.path))).toHaveLength(3);
    expect(after['.Sent']).toHaveLength(before['.Sent']!.length + 1);
    expect(after['.Sent']).toEqual(expect.arrayContaining(before['.Sent']!));
  });

  it("refuses to run while another import holds the Maildir, and takes over a dead one's lock", async () => {
    const c = await makeAccount(sharedSource(), sampleMessages({ count: 2, seed: 120 }));
    expect((await runCli(['import', '--create', ...c.args])).code).toBe(0);
    const lock = path.join(c.maildir, 'qmail-import.lock');
    // This test's own process stands in for a live import.
    const release = await lockMaildir(c.maildir, {});
    fs.chownSync(lock, c.owner.uid, c.owner.gid);
    const busy = await runCli(['import', '--create', ...c.args]);
    await release();
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`another qmail-import (${os.hostname()} ${process.pid} `);
    // A lock file left by a killed run is only information: the next run takes the Maildir.
    fs.writeFileSync(lock, `${os.hostname()} 999999999\n`);
    fs.chownSync(lock, c.owner.uid, c.owner.gid);
    expect((await runCli(['import', '--create', ...c.args])).code).toBe(0);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it("a refused login on a Maildir that is there is the login's error: another import's lock is left to it, and no lock of ours stays", async () => {
    const c = await makeAccount(sharedSource(), sampleMessages({ count: 2, seed: 121 }));
    expect((await runCli(['import', '--create', ...c.args])).code).toBe(0);
    const before = [snapshotMaildir(c.maildir), fs.readdirSync(c.maildir).sort()];
    const wrong = path.join(path.dirname(c.maildir), 'wrong-password');
    fs.writeFileSync(wrong, 'not-the-password\n', { mode: 0o600 });
    const refused = withOption(c.args, '--password-file', wrong);
    expect((await runCli(['import', ...refused])).code).toBe(3);
    expect([snapshotMaildir(c.maildir), fs.readdirSync(c.maildir).sort()]).toEqual(before);
    const lock = path.join(c.maildir, 'qmail-import.lock');
    const release = await lockMaildir(c.maildir, {});
    fs.chownSync(lock, c.owner.uid, c.owner.gid);
    const held = fs.readFileSync(lock, 'utf8');
    const busy = await runCli(['import', ...refused]);
    expect(fs.readFileSync(lock, 'utf8')).toBe(held);
    await release();
    expect(busy.code, busy.stderr).toBe(3);
    expect(busy.stderr).not.toContain('another qmail-import');
  });

  it('a source that renumbers a folder (new UIDVALIDITY) gets no duplicate: files are recognised by content', async () => {
    const { a: e, before } = await importedWithSent(140, 6, 4);
    for (const box of ['INBOX', 'Sent'])
      execFileSync('doveadm', [
        '-c',
        e.server.configFile,
        'mailbox',
        'update',
        '-u',
        e.user,
        '--uid-validity',
        '4242',
        box,
      ]);

    const r = await runCli(['import', '--create', ...e.args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout).users[0];
    expect(doc.inbox.history).toMatchObject({
      uidValidityChangedFrom: expect.any(String),
      movedByContent: 6,
      goneFromSource: [],
    });
    expect(doc.folders[0].history).toMatchObject({ movedByContent: 4, goneFromSource: [] });
    expect(r.stderr).toContain('the source renumbered this folder');
    const after = allMessages(e.maildir);
    // Same messages, same bytes, no second copy; INBOX files now carry the new UIDLs.
    const bytes = (t: TreeEntry[]) => t.map((f) => f.sha256).sort();
    expect(bytes(after.INBOX!)).toEqual(bytes(before.INBOX!));
    expect(bytes(after['.Sent']!)).toEqual(bytes(before['.Sent']!));
    expect(after.INBOX!.every((f) => f.path.includes('/4242.'))).toBe(true);
    expect((await runCli(['verify', ...e.args])).code).toBe(0);
  });

  it('reports a message deleted on the source, removes it only with --delete, and does not bring back one deleted here', async () => {
    const f = await makeAccount(sharedSource(), sampleMessages({ count: 5, seed: 150 }));
    expect((await runCli(['import', '--create', ...f.args])).code).toBe(0);
    await deleteFromSourceInbox(f, '2');
    const here = allMessages(f.maildir).INBOX!.filter((x) => !x.path.startsWith('tmp/'));
    const deletedHere = here.find((x) => x.path.includes('.4'))!;
    fs.unlinkSync(path.join(f.maildir, deletedHere.path));

    const report = await runCli(['import', '--create', ...f.args, '--json']);
    expect(report.code, report.stderr).toBe(0);
    const h = JSON.parse(report.stdout).users[0].inbox.history;
    expect([h.goneFromSource.length, h.keptDeleted.length, h.goneDeleted]).toEqual([1, 1, false]);
    expect(report.stderr).toContain('no longer on the source, kept here (--delete removes them)');
    expect(fs.existsSync(path.join(f.maildir, deletedHere.path))).toBe(false);
    expect(fs.existsSync(path.join(f.maildir, h.goneFromSource[0]))).toBe(true);

    // vpopmail's quota file learns of the removal: one negative line.
    const quota = path.join(f.maildir, 'maildirsize');
    fs.writeFileSync(quota, '10000000S,1000C\n', { mode: 0o600 });
    fs.chownSync(quota, f.owner.uid, f.owner.gid);
    const goneSize = fs.statSync(path.join(f.maildir, h.goneFromSource[0])).size;
    const removed = await runCli(['import', '--create', ...f.args, '--delete']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('removed here too (--delete)');
    expect(fs.existsSync(path.join(f.maildir, h.goneFromSource[0]))).toBe(false);
    expect(fs.readFileSync(quota, 'utf8')).toBe(`10000000S,1000C\n${-goneSize} -1\n`);
  });

  it('adds what it imports to a vpopmail maildirsize quota file', async () => {
    const d = await makeAccount(sharedSource(), sampleMessages({ count: 4, seed: 130 }));
    fs.writeFileSync(path.join(d.maildir, 'maildirsize'), '10000000S,1000C\n0 0\n', { mode: 0o600 });
    fs.chownSync(d.maildir, d.owner.uid, d.owner.gid);
    fs.chownSync(path.join(d.maildir, 'maildirsize'), d.owner.uid, d.owner.gid);
    expect((await runCli(['import', '--create', ...d.args])).code).toBe(0);
    const lines = fs.readFileSync(path.join(d.maildir, 'maildirsize'), 'utf8').trim().split('\n');
    const stored = snapshotMaildir(d.maildir).filter((f) => !f.path.startsWith('tmp/'));
    const bytes = stored.reduce((n, f) => n + fs.statSync(path.join(d.maildir, f.path)).size, 0);
    expect(lines).toEqual(['10000000S,1000C', '0 0', `${bytes} 4`]);
  });
});
