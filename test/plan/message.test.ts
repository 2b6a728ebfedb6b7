import { describe, expect, it } from 'vitest';
import type { ImapMessageMeta } from '../../src/message-records.js';
import { BoxNaming } from '../../src/plan/box-naming.js';
import type { ExistingFile } from '../../src/maildir/scan.js';
import { earlierFiles, fateOf, plannedMessage, type FolderFacts, type PlannedMessage } from '../../src/plan/message.js';
import type { JournalEntry } from '../../src/journal-records.js';
import { folderHistory } from '../../src/state/records.js';
import { journalEntry, TEST_UIDVALIDITY } from '../support/journal-entry.js';

const PLAIN = new BoxNaming(undefined);

const V = TEST_UIDVALIDITY;
const MTIME = 1_750_000_000;
const file = (name: string, dir: 'new' | 'cur' = 'new', info = ''): [string, ExistingFile] => [
  name,
  { dir, file: `${name}${info}`, mtimeSec: MTIME },
];
const facts = (
  files: [string, ExistingFile][],
  records: JournalEntry[] = [],
  foreignCrlfSize?: Map<string, number>,
): FolderFacts => {
  const existing = new Map(files);
  return {
    uidValidity: V,
    existing,
    history: folderHistory(records, 'INBOX', V, existing),
    ...(foreignCrlfSize ? { foreignCrlfSize } : {}),
  };
};
const meta = (uid: number, flags: string[] = []): ImapMessageMeta => ({
  uid,
  flags,
  internalDateSec: MTIME,
  size: 1000,
});

describe('fateOf', () => {
  it('writes a message whose name is free', () => {
    expect(fateOf({ name: 'a', uid: 1, size: 10 }, facts([]))).toEqual({ kind: 'new' });
  });

  it('finds a message there when our record of the file says it is that message', () => {
    const f = facts([file('a')], [journalEntry('a', { uid: 1, size: 10 })]);
    expect(fateOf({ name: 'a', uid: 1, size: 10 }, f)).toMatchObject({ kind: 'there', file: { file: 'a' } });
  });

  it('finds a message written from POP3 alone when IMAP lists it since, and has its UID recorded', () => {
    const f = facts([file('a')], [journalEntry('a', { uidl: 'a', size: 10 })]);
    expect(fateOf({ name: 'a', uid: 6, uidl: 'a', size: 10 }, f)).toMatchObject({ kind: 'there', recorded: false });
    expect(fateOf({ name: 'a', uidl: 'a', size: 10 }, f)).toMatchObject({ kind: 'there', recorded: true });
  });

  it('writes anew when our file under the name is another message (the source renumbered)', () => {
    const f = facts([file('a')], [journalEntry('a', { uid: 1, size: 10 })]);
    expect(fateOf({ name: 'a', uid: 2, size: 10 }, f)).toEqual({ kind: 'new' });
  });

  it('does not bring back a message we wrote that was deleted here since', () => {
    const f = facts([], [journalEntry('a', { uid: 1, size: 10 })]);
    expect(fateOf({ name: 'a', uid: 1, size: 10 }, f)).toEqual({ kind: 'deleted-here' });
  });

  it('takes a file we did not write as the message unless its CRLF size says otherwise', () => {
    expect(fateOf({ name: 'a', uidl: 'a', size: 10 }, facts([file('a')]))).toMatchObject({ kind: 'there' });
    const sizes = new Map([['a', 10]]);
    expect(fateOf({ name: 'a', uidl: 'a', size: 10 }, facts([file('a')], [], sizes))).toMatchObject({ kind: 'there' });
    const fate = fateOf({ name: 'a', uidl: 'a', size: 11 }, facts([file('a')], [], sizes));
    expect(fate.kind).toBe('conflict');
    expect(fate.kind === 'conflict' && fate.why).toBe(
      "another file named a is already there (10 bytes with CRLF, the source's message 11); left as it is",
    );
  });
});

describe('plannedMessage', () => {
  const placeOf = (m: PlannedMessage) => [m.action, m.dir, m.file, m.from];

  it('puts a new unflagged message in new/, a flagged one in cur/ with its letters, and lists flags it drops', () => {
    expect(placeOf(plannedMessage('a', meta(1), 1000, MTIME, { kind: 'new' }, PLAIN))).toEqual([
      'write',
      'new',
      'a',
      undefined,
    ]);
    const flagged = plannedMessage(
      'b',
      meta(2, ['\\Seen', '\\Flagged', '$Label1', '\\Recent']),
      1000,
      MTIME,
      {
        kind: 'new',
      },
      PLAIN,
    );
    expect(placeOf(flagged)).toEqual(['write', 'cur', 'b:2,FS', undefined]);
    expect(flagged.droppedFlags).toEqual(['$Label1']);
    expect([flagged.source, flagged.uid, flagged.mtimeSec, flagged.size]).toEqual(['imap', 2, MTIME, 1000]);
  });

  it("names a message as the box's Dovecot shows it: keywords as letters a-z, past the 26th dropped", () => {
    const naming = new BoxNaming({ server: 'dovecot', keywords: ['Work'] });
    const m = plannedMessage(
      'a',
      meta(1, ['\\Seen', '$Label1', 'Work', '$Forwarded']),
      1000,
      MTIME,
      { kind: 'new' },
      naming,
    );
    // Work had letter a already; $Label1 and $Forwarded are given the next ones in their order.
    expect(placeOf(m)).toEqual(['write', 'cur', 'a:2,PSabc', undefined]);
    expect(m.droppedFlags).toEqual([]);
    expect(naming.keywordFile()).toEqual(['Work', '$Label1', '$Forwarded']);
    const full = new BoxNaming({ server: 'dovecot', keywords: Array.from({ length: 26 }, (_, i) => `k${i}`) });
    const over = plannedMessage('b', meta(2, ['k25', 'late']), 1000, MTIME, { kind: 'new' }, full);
    expect([over.file, over.droppedFlags, full.keywordFile()]).toEqual(['b:2,z', ['late'], undefined]);
  });

  it("names every message into cur/ for the box's Courier, which numbers new/ itself", () => {
    const naming = new BoxNaming({ server: 'courier' });
    const m = plannedMessage('a', meta(1, ['$Label1']), 1000, MTIME, { kind: 'new' }, naming);
    expect([placeOf(m), m.droppedFlags]).toEqual([['write', 'cur', 'a:2,', undefined], ['$Label1']]);
    const there = plannedMessage('b', meta(2), 1000, MTIME, { kind: 'there', file: file('b')[1] }, naming);
    expect(placeOf(there)).toEqual(['reflag', 'cur', 'b:2,', 'new/b']);
  });

  it('a message with no IMAP meta comes from POP3', () => {
    const m = plannedMessage('p', undefined, 500, MTIME, { kind: 'new' }, PLAIN);
    expect([m.source, m.uid, m.dir, m.file]).toEqual(['pop3', undefined, 'new', 'p']);
  });

  /** What becomes of message uid 1 named "a" whose file is already there as dir/a + info. */
  const thereAs = (dir: 'new' | 'cur', info: string, flags: string[]) => {
    const m = plannedMessage('a', meta(1, flags), 1000, MTIME, { kind: 'there', file: file('a', dir, info)[1] }, PLAIN);
    return `${m.action} ${m.dir}/${m.file}${m.from ? ` from ${m.from}` : ''}`;
  };
  it.each<[string, 'new' | 'cur', string, string[], string]>([
    ['is present when the file already has the flags', 'cur', ':2,S', ['\\Seen'], 'present cur/a:2,S'],
    ['is reflagged when the source added one', 'cur', ':2,S', ['\\Answered'], 'reflag cur/a:2,RS from cur/a:2,S'],
    ['never loses a flag the source no longer has', 'cur', ':2,S', [], 'present cur/a:2,S'],
    ['never goes from cur/ back to new/', 'cur', ':2,', [], 'present cur/a:2,'],
    ['stays in new/ while unflagged', 'new', '', [], 'present new/a'],
    [
      'moves from new/ to cur/ when the source has flags for it now',
      'new',
      '',
      ['\\Seen'],
      'reflag cur/a:2,S from new/a',
    ],
    [
      "keeps Dovecot's lower-case keyword letters",
      'cur',
      ':2,Sab',
      ['\\Flagged'],
      'reflag cur/a:2,FSab from cur/a:2,Sab',
    ],
  ])('a message already there %s', (_what, dir, info, flags, expected) => {
    expect(thereAs(dir, info, flags)).toBe(expected);
  });

  it('leaves a conflicting file where and as it is, and does not write a deleted-here message', () => {
    const other = file('a', 'cur', ':2,S')[1];
    const conflict = plannedMessage(
      'a',
      meta(1),
      1000,
      MTIME,
      { kind: 'conflict', file: other, why: 'differs' },
      PLAIN,
    );
    expect([...placeOf(conflict), conflict.conflict]).toEqual(['conflict', 'cur', 'a:2,S', undefined, 'differs']);
    expect(plannedMessage('a', meta(1), 1000, MTIME, { kind: 'deleted-here' }, PLAIN).action).toBe('deleted-here');
  });
});

describe('earlierFiles', () => {
  const planned = (name: string, action: PlannedMessage['action']): PlannedMessage => ({
    ...plannedMessage(name, meta(1), 1000, MTIME, { kind: 'new' }, PLAIN),
    action,
  });
  const park = (r: JournalEntry) => `parked-${r.uid}`;

  it('lists each earlier file of ours no planned message is, copies once each, and parks only those in the way', () => {
    const f = facts(
      [file('kept'), file('copy1'), file('copy2', 'cur', ':2,S'), file('wanted'), file('foreign')],
      [
        journalEntry('kept', { uid: 1 }),
        journalEntry('copy1', { uid: 2, sha256: 'same' }),
        journalEntry('copy2', { uid: 3, sha256: 'same' }),
        journalEntry('copy2', { uid: 3, sha256: 'same' }),
        journalEntry('wanted', { uid: 4 }),
        journalEntry('gone', { uid: 5 }),
      ],
    );
    const out = earlierFiles([planned('kept', 'present'), planned('wanted', 'write')], f, park);
    expect(out.map((e) => [`${e.dir}/${e.file}`, e.record.uid, e.parkAs])).toEqual([
      ['new/copy1', 2, undefined],
      ['cur/copy2:2,S', 3, undefined],
      ['new/wanted', 4, 'parked-4'],
    ]);
  });

  it('marks an earlier file of the size of a message held back by --max-size: it may be that message', () => {
    const f = facts(
      [file('old1'), file('old2')],
      [journalEntry('old1', { uid: 1, size: 1000 }), journalEntry('old2', { uid: 2, size: 7 })],
    );
    const out = earlierFiles([planned('big', 'too-big')], f, park);
    expect(out.map((e) => [e.file, e.heldBack])).toEqual([
      ['old1', true],
      ['old2', undefined],
    ]);
  });

  it('does not list a file a reflagged message is', () => {
    const f = facts([file('r')], [journalEntry('r', { uid: 1 })]);
    expect(earlierFiles([planned('r', 'reflag')], f, park)).toEqual([]);
  });
});
