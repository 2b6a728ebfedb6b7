import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderWriteSession } from '../../src/import/folder-session.js';
import { MessageError } from '../../src/errors.js';
import { ensureMaildir } from '../../src/maildir/layout.js';
import type { FolderPlan } from '../../src/plan/folder.js';
import type { EarlierFile, PlannedMessage } from '../../src/plan/message.js';
import type { JournalEntry } from '../../src/journal-records.js';
import { Journal, readJournal } from '../../src/state/journal.js';

const V = '1700000000';
const MTIME = 1_750_000_000;
const CONTEXT = { user: 'alice', folder: 'Archive' };

let maildir: string;
let journal: Journal;
beforeEach(async () => {
  maildir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-folder-write-')), 'Maildir');
  await ensureMaildir(maildir, {});
  journal = await Journal.open(maildir, CONTEXT);
});
afterEach(async () => {
  await journal.close();
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const at = (rel: string) => path.join(maildir, rel);
const put = (rel: string, text: string, mtimeSec = MTIME - 100) => {
  fs.writeFileSync(at(rel), text, { mode: 0o600 });
  fs.utimesSync(at(rel), mtimeSec, mtimeSec);
};
const read = (rel: string) => fs.readFileSync(at(rel), 'utf8');
const mtimeOf = (rel: string) => Math.floor(fs.statSync(at(rel)).mtimeMs / 1000);
const ls = (sub: string) => fs.readdirSync(at(sub)).sort();
const lines = async () => (await readJournal(maildir, CONTEXT)).entries;

const message = (uid: number, over: Partial<PlannedMessage> = {}): PlannedMessage => ({
  source: 'imap',
  uid,
  // Unknown here: the size check before link has its own tests (test/maildir/deliver-size.test.ts).
  size: NaN,
  name: `n${uid}`,
  dir: 'new',
  file: `n${uid}`,
  mtimeSec: MTIME + uid,
  droppedFlags: [],
  action: 'write',
  ...over,
});
const record = (name: string, uid: number, content: string): JournalEntry => ({
  folder: 'Archive',
  uidValidity: V,
  uid,
  name,
  sha256: sha(content),
  size: content.length,
});
/** An earlier file of ours, on disk and as the plan lists it. */
const earlier = (rel: string, uid: number, content: string, parkAs?: string, heldBack?: true): EarlierFile => {
  put(rel, content);
  const [dir, file] = rel.split('/') as ['new' | 'cur', string];
  return {
    dir,
    file,
    record: record(file.split(':')[0]!, uid, content),
    ...(parkAs ? { parkAs } : {}),
    ...(heldBack ? { heldBack } : {}),
  };
};
const plan = (messages: PlannedMessage[], earlierFiles: EarlierFile[] = []): FolderPlan => ({
  folder: 'Archive',
  uidValidity: V,
  messages,
  earlier: earlierFiles,
});
const begin = (p: FolderPlan) => FolderWriteSession.begin(maildir, maildir, p, journal, CONTEXT);
const body = (text: string) => Buffer.from(text.replaceAll('\n', '\r\n'));

const entryOf = (uid: number, name: string, stored: string) => ({
  folder: 'Archive',
  uidValidity: V,
  uid,
  name,
  sha256: sha(stored),
});

describe('FolderWriteSession', () => {
  it('links each message under its planned name with LF bytes and its mtime; journal lines (with the file as stored, for verify) follow once it is synced', async () => {
    const m1 = message(1);
    const m2 = message(2, { dir: 'cur', file: 'n2:2,S' });
    const session = await begin(plan([m1, m2]));
    await session.write(m1, body('Subject: one\n\nfirst\n'));
    expect(read('new/n1')).toBe('Subject: one\n\nfirst\n');
    expect(await lines()).toEqual([]);
    await session.write(m2, body('Subject: two\n\nsecond\n'));
    const outcome = await session.finish(false);

    expect([ls('new'), ls('cur'), ls('tmp')]).toEqual([['n1'], ['n2:2,S'], []]);
    expect([mtimeOf('new/n1'), mtimeOf('cur/n2:2,S')]).toEqual([MTIME + 1, MTIME + 2]);
    expect(outcome).toMatchObject({ written: 2, renamedByContent: 0, errors: [], messages: 2, bytes: 20 + 21 });
    expect(await lines()).toEqual([
      { ...entryOf(1, 'n1', read('new/n1')), stored: { bytes: 20, lines: 3, mtimeSec: MTIME + 1 } },
      { ...entryOf(2, 'n2', read('cur/n2:2,S')), stored: { bytes: 21, lines: 3, mtimeSec: MTIME + 2 } },
    ]);
  });

  it('moves an earlier file out of a name a message needs (journal first, flags kept), then writes the message there', async () => {
    const parked = earlier('cur/n2:2,S', 2, 'Subject: old two\n\n', `0.X${V}U2.mx`);
    const m2 = message(2, { dir: 'cur', file: 'n2:2,S' });
    const session = await begin(plan([m2], [parked]));
    expect(ls('cur')).toEqual([`0.X${V}U2.mx:2,S`]);
    expect(read(`cur/0.X${V}U2.mx:2,S`)).toBe('Subject: old two\n\n');
    expect(await lines()).toEqual([{ ...parked.record, name: `0.X${V}U2.mx` }]);

    await session.write(m2, body('Subject: new two\n\n'));
    const outcome = await session.finish(false);
    expect(read('cur/n2:2,S')).toBe('Subject: new two\n\n');
    // Named by the name it had, and where it went.
    expect(outcome.goneFromSource).toEqual([`cur/n2:2,S, now cur/0.X${V}U2.mx:2,S`]);
    expect((await lines()).map((l) => l.name)).toEqual([`0.X${V}U2.mx`, 'n2']);
  });

  it('takes an earlier file holding the same bytes instead of a second copy, each earlier copy once', async () => {
    const text = 'Subject: same\n\nbody\n';
    const copies = [earlier('cur/a:2,S', 7, text), earlier('new/b', 8, text)];
    const messages = [message(1), message(2), message(3)];
    const session = await begin(plan(messages, copies));
    for (const m of messages) await session.write(m, body(text));
    const outcome = await session.finish(false);

    expect([ls('new'), ls('cur'), ls('tmp')]).toEqual([['n1', 'n2', 'n3'], [], []]);
    expect(messages.map((m) => [read(`new/${m.file}`), mtimeOf(`new/${m.file}`)])).toEqual(
      messages.map((m) => [text, m.mtimeSec]),
    );
    // Only the third is a new file: the quota grows by one message.
    expect(fs.statSync(at('new/n3')).nlink).toBe(1);
    expect(outcome).toMatchObject({ written: 1, renamedByContent: 2, messages: 1, bytes: text.length });
    expect(outcome.goneFromSource).toEqual([]);
    expect((await lines()).map((l) => [l.name, l.uid, l.sha256])).toEqual(
      messages.map((m) => [m.name, m.uid, sha(text)]),
    );
  });

  it('reads the hash of an earlier file whose journal line has none: taken by content, moved aside with its hash', async () => {
    const unhashed = (f: EarlierFile): EarlierFile => ({ ...f, record: { ...f.record, sha256: undefined } });
    const text = 'Subject: same\n\nbody\n';
    const parked = earlier('cur/n2:2,S', 2, 'Subject: old two\n\n', `0.X${V}U2.mx`);
    const m2 = message(2, { dir: 'cur', file: 'n2:2,S' });
    const session = await begin(plan([message(1), m2], [unhashed(earlier('new/a', 7, text)), unhashed(parked)]));
    expect(await lines()).toEqual([{ ...parked.record, name: `0.X${V}U2.mx` }]);
    await session.write(message(1), body(text));
    await session.write(m2, body('Subject: old two\n\n'));
    const outcome = await session.finish(false);
    expect([ls('new'), ls('cur')]).toEqual([['n1'], ['n2:2,S']]);
    expect(outcome).toMatchObject({ written: 0, renamedByContent: 2, goneFromSource: [] });
  });

  it('writes the message as a new file when the earlier copy with its bytes was deleted meanwhile', async () => {
    const text = 'Subject: same\n\nbody\n';
    const session = await begin(plan([message(1)], [earlier('new/a', 7, text)]));
    fs.unlinkSync(at('new/a'));
    await session.write(message(1), body(text));
    const outcome = await session.finish(false);
    expect([ls('new'), read('new/n1'), outcome.errors]).toEqual([['n1'], text, []]);
    expect(outcome).toMatchObject({ written: 1, renamedByContent: 0, messages: 1 });
    expect((await lines()).map((l) => l.name)).toEqual(['n1']);
  });

  it('reflags a message already there at finish, keeping bytes and mtime; one gone meanwhile is no error', async () => {
    put('new/n4', 'Subject: four\n\n', MTIME);
    const reflag = message(4, { action: 'reflag', from: 'new/n4', dir: 'cur', file: 'n4:2,FS' });
    const vanished = message(5, { action: 'reflag', from: 'new/n5', dir: 'cur', file: 'n5:2,S' });
    const present = message(6, { action: 'present' });
    put('new/n6', 'Subject: six\n\n');
    const session = await begin(plan([reflag, vanished, present]));
    const outcome = await session.finish(false);

    expect([ls('new'), ls('cur')]).toEqual([['n6'], ['n4:2,FS']]);
    expect([read('cur/n4:2,FS'), mtimeOf('cur/n4:2,FS')]).toEqual(['Subject: four\n\n', MTIME]);
    expect(outcome).toMatchObject({ reflagged: 1, written: 0, errors: [] });
    expect(await lines()).toEqual([]);
  });

  it('reports earlier files the source no longer has and removes them only when told to', async () => {
    const gone = () => [earlier('cur/g:2,S', 9, 'Subject: g\n\n'), earlier('new/h', 10, 'Subject: hh\n\n')];
    const kept = await (await begin(plan([], gone()))).finish(false);
    expect([kept.goneFromSource, kept.goneDeleted, kept.messages]).toEqual([['cur/g:2,S', 'new/h'], false, 0]);
    expect([ls('new'), ls('cur')]).toEqual([['h'], ['g:2,S']]);

    const removed = await (await begin(plan([], gone()))).finish(true);
    expect([removed.goneFromSource, removed.goneDeleted]).toEqual([['cur/g:2,S', 'new/h'], true]);
    expect([removed.messages, removed.bytes]).toEqual([-2, -(12 + 13)]);
    expect([ls('new'), ls('cur')]).toEqual([[], []]);
  });

  it('keeps an earlier file the plan says may be a message held back by --max-size: not gone, not deleted', async () => {
    const held = message(11, { action: 'too-big', size: 13 });
    const outcome = await (
      await begin(plan([held], [earlier('new/h', 10, 'Subject: hh\n\n', undefined, true)]))
    ).finish(true);
    expect(outcome.goneFromSource).toEqual([]);
    expect(ls('new')).toEqual(['h']);
  });

  it('makes a message that fails one error line naming it, writes the others, and journals only those', async () => {
    put('new/n1', 'theirs');
    const messages = [message(1), message(2)];
    const session = await begin(plan(messages));
    await session.write(messages[0]!, body('Subject: one\n\n'));
    await session.write(messages[1]!, body('Subject: two\n\n'));
    session.note('errors', new MessageError('fetch failed', { ...CONTEXT, uid: 3 }).message);
    const outcome = await session.finish(false);

    expect(outcome.errors).toHaveLength(2);
    expect(outcome.errors[0]).toMatch(/^alice Archive uid 1: link\(.*new\/n1\) failed: EEXIST$/);
    expect(outcome.errors[1]).toBe('alice Archive uid 3: fetch failed');
    expect([read('new/n1'), read('new/n2'), ls('tmp')]).toEqual(['theirs', 'Subject: two\n\n', []]);
    expect(outcome).toMatchObject({ written: 1, messages: 1 });
    expect((await lines()).map((l) => l.name)).toEqual(['n2']);
  });
});
