import { describe, expect, it } from 'vitest';
import type { ImapMessageMeta } from '../../src/message-records.js';
import { planFolder, type FolderPlanInput } from '../../src/plan/folder.js';
import type { ExistingFile } from '../../src/maildir/scan.js';
import type { JournalEntry } from '../../src/journal-records.js';
import { folderHistory } from '../../src/state/records.js';

const V = '1700000000';
const BEFORE = 1_800_000_000;
const HOST = 'mx.example';
const meta = (uid: number, flags: string[] = [], internalDateSec = 1_750_000_000 + uid): ImapMessageMeta => ({
  uid,
  flags,
  internalDateSec,
  size: 1000 + uid,
});
const nameOf = (uid: number) => `${1_750_000_000 + uid}.V${V}U${uid}.${HOST}`;
const record = (uid: number, over: Partial<JournalEntry> = {}): JournalEntry => ({
  folder: 'Archive',
  uidValidity: V,
  uid,
  name: nameOf(uid),
  sha256: `sha-${uid}`,
  size: 1000 + uid,
  ...over,
});
const input = (
  imap: ImapMessageMeta[],
  files: [string, ExistingFile][] = [],
  records: JournalEntry[] = [],
  over: Partial<FolderPlanInput> = {},
): FolderPlanInput => {
  const existing = new Map(files);
  return {
    folder: 'Archive',
    facts: { uidValidity: V, existing, history: folderHistory(records, 'Archive', V, existing) },
    imap,
    beforeSec: BEFORE,
    host: HOST,
    ...over,
  };
};
const there = (uid: number, dir: 'new' | 'cur' = 'new', info = ''): [string, ExistingFile] => [
  nameOf(uid),
  { dir, file: `${nameOf(uid)}${info}`, mtimeSec: 1_750_000_000 + uid },
];

describe('planFolder', () => {
  it('names files time.VvalidityUuid.host in UID order, flags in the info part, mtime the INTERNALDATE', () => {
    const plan = planFolder(input([meta(3, ['\\Seen']), meta(1)]));
    expect(plan.messages.map((m) => [m.uid, m.dir, m.file, m.mtimeSec, m.action])).toEqual([
      [1, 'new', nameOf(1), 1_750_000_001, 'write'],
      [3, 'cur', `${nameOf(3)}:2,S`, 1_750_000_003, 'write'],
    ]);
    expect([plan.folder, plan.uidValidity, plan.earlier, plan.uidValidityChangedFrom]).toEqual([
      'Archive',
      V,
      [],
      undefined,
    ]);
  });

  it('escapes "/" and ":" in the host part as the Maildir spec asks', () => {
    const plan = planFolder(input([meta(1)], [], [], { host: 'a/b:c' }));
    expect(plan.messages[0]?.name).toBe(`1750000001.V${V}U1.a\\057b\\072c`);
  });

  it('dates a message from the future (or now) just before beforeSec', () => {
    const plan = planFolder(input([meta(1, [], BEFORE + 3600), meta(2, [], BEFORE), meta(3, [], BEFORE - 1)]));
    expect(plan.messages.map((m) => m.mtimeSec)).toEqual([BEFORE - 1, BEFORE - 1, BEFORE - 1]);
  });

  it('decides present, reflag, write and deleted-here from the files and the journal', () => {
    const plan = planFolder(
      input(
        [meta(1, ['\\Seen']), meta(2, ['\\Seen']), meta(3), meta(4)],
        [there(1, 'cur', ':2,S'), there(2)],
        [record(1), record(2), record(4)],
      ),
    );
    expect(plan.messages.map((m) => [m.uid, m.action, m.from])).toEqual([
      [1, 'present', undefined],
      [2, 'reflag', `new/${nameOf(2)}`],
      [3, 'write', undefined],
      [4, 'deleted-here', undefined],
    ]);
    expect(plan.earlier).toEqual([]);
  });

  it('rewrites the file of a message the source changed in place under its UID, and lists earlier files no message is', () => {
    // uid 2's file holds other bytes (size differs) than today's uid 2, the same content but for
    // the headers a server rewrites for flags: its file takes the new bytes under its name.
    const records = [record(2, { size: 77, sha256: 'old2' }), record(5)];
    const base = input([meta(2, ['\\Seen'])], [there(2), there(5)], records);
    const plan = planFolder({ ...base, facts: { ...base.facts, changedInPlace: new Set([2]) } });
    expect(plan.messages.map((m) => [m.uid, m.action, m.from, m.file, m.sizeWas])).toEqual([
      [2, 'rewrite', `new/${nameOf(2)}`, `${nameOf(2)}:2,S`, 77],
    ]);
    expect(plan.earlier.map((e) => [`${e.dir}/${e.file}`, e.record.sha256, e.parkAs])).toEqual([
      [`new/${nameOf(5)}`, 'sha-5', undefined],
    ]);
  });

  it('parks the file of a UID whose content changed too (the source moved UIDs): another message needs the name', () => {
    const plan = planFolder(input([meta(2)], [there(2)], [record(2, { size: 77, sha256: 'old2' })]));
    expect(plan.messages.map((m) => [m.uid, m.action])).toEqual([[2, 'write']]);
    expect(plan.earlier.map((e) => [`${e.dir}/${e.file}`, e.record.sha256, e.parkAs])).toEqual([
      [`new/${nameOf(2)}`, 'old2', `0.X${V}U2.${HOST}`],
    ]);
  });

  it('holds back a message to write above --max-size, never one already here or deleted here, and records its skip once', () => {
    const files = [there(1)];
    const records = [record(1), record(4)];
    const all = [meta(1), meta(2), meta(3), meta(4)];
    const plan = planFolder(input(all, files, records, { maxSize: 1002 }));
    expect(plan.maxSize).toBe(1002);
    expect(plan.messages.map((m) => [m.uid, m.action, m.unrecorded])).toEqual([
      [1, 'present', undefined],
      [2, 'write', undefined],
      [3, 'too-big', true],
      [4, 'deleted-here', undefined],
    ]);
    // A later run with the limit again: the journal has the skip already.
    const skip = { folder: 'Archive', uidValidity: V, uid: 3, size: 1003, skipped: 'max-size' as const, maxSize: 1002 };
    const existing = new Map(files);
    const again = planFolder({
      ...input(all, files, records, { maxSize: 1002 }),
      facts: { uidValidity: V, existing, history: folderHistory(records, 'Archive', V, existing, [skip]) },
    });
    expect(again.messages[2]).toMatchObject({ action: 'too-big' });
    expect(again.messages[2]?.unrecorded).toBeUndefined();
    // Without the limit the skip settles nothing: the message is written.
    expect(planFolder(input(all, files, records)).messages[2]?.action).toBe('write');
  });

  it('says the source renumbered the folder, and does not take old files as deleted here', () => {
    const OLD = '1600000000';
    const plan = planFolder(input([meta(1)], [], [record(1, { uidValidity: OLD })]));
    expect(plan.uidValidityChangedFrom).toBe(OLD);
    expect(plan.messages.map((m) => m.action)).toEqual(['write']);
  });
});
