import { describe, expect, it } from 'vitest';
import type { JournalEntry, JournalSkip } from '../../src/journal-records.js';
import type { MaildirEntry } from '../../src/maildir/pop3d-listing.js';
import type { ExistingFile } from '../../src/maildir/scan.js';
import type { ImapMessageMeta, Pop3Message } from '../../src/message-records.js';
import { folderHistory, recordedLines, recordedUids, recordsByFolder, settledUidls } from '../../src/state/records.js';
import { journalEntry, TEST_UIDVALIDITY } from '../support/journal-entry.js';

const V = TEST_UIDVALIDITY;
const OLD_V = '1600000000';
const here = (...names: string[]): Map<string, ExistingFile> =>
  new Map(names.map((n) => [n, { dir: 'new', file: n, mtimeSec: 1 }]));
const skip = (over: Partial<JournalSkip>): JournalSkip => ({
  folder: 'INBOX',
  uidValidity: V,
  size: 5000,
  skipped: 'max-size',
  maxSize: 1000,
  ...over,
});

describe('folderHistory', () => {
  it('keeps the newest record of each name still there, and only of this folder', () => {
    const first = journalEntry('a', { uid: 1, sha256: 'old' });
    const newer = journalEntry('a', { uid: 1, sha256: 'new' });
    const h = folderHistory(
      [first, journalEntry('b', { uid: 2 }), newer, journalEntry('a', { folder: 'Sent', uid: 9, sha256: 'sent' })],
      'INBOX',
      V,
      here('a'),
    );
    expect([...h.recordOf.keys()]).toEqual(['a']);
    expect(h.recordOf.get('a')?.sha256).toBe('new');
  });

  it('takes a message we wrote whose file is gone as deleted here, under this UIDVALIDITY only', () => {
    const h = folderHistory(
      [
        journalEntry('a', { uid: 1 }),
        journalEntry('p', { uidl: 'p' }),
        journalEntry('x', { uid: 5, uidValidity: OLD_V }),
      ],
      'INBOX',
      V,
      here(),
    );
    expect([...h.deletedHere].sort()).toEqual(['uid 1', 'uidl p']);
  });

  it('does not take a message renamed since (its record under a new name is there) as deleted', () => {
    const h = folderHistory(
      [journalEntry('old-name', { uid: 3 }), journalEntry('parked', { uid: 3 })],
      'INBOX',
      V,
      here('parked'),
    );
    expect([...h.deletedHere]).toEqual([]);
    expect(h.recordOf.get('parked')?.uid).toBe(3);
  });

  it('says the source renumbered when our last write was under another UIDVALIDITY', () => {
    const renumbered = folderHistory([journalEntry('a', { uid: 1, uidValidity: OLD_V })], 'INBOX', V, here('a'));
    expect(renumbered.uidValidityChangedFrom).toBe(OLD_V);
    expect([...renumbered.deletedHere]).toEqual([]);
    expect(
      folderHistory([journalEntry('a', { uid: 1 })], 'INBOX', V, here('a')).uidValidityChangedFrom,
    ).toBeUndefined();
    expect(folderHistory([], 'INBOX', V, here()).uidValidityChangedFrom).toBeUndefined();
  });
  it('holds a skip as too big back under this UIDVALIDITY only: after a renumbering its UID is another message', () => {
    const skips = [
      skip({ uid: 4 }),
      skip({ uidl: 'p' }),
      skip({ uid: 5, uidValidity: OLD_V }),
      skip({ uid: 6, folder: 'Sent' }),
    ];
    const h = folderHistory([], 'INBOX', V, here(), skips);
    expect([...h.skipped].sort()).toEqual(['uid 4', 'uidl p']);
  });
});

const pop3 = (n: number, uidl: string, size = 500): Pop3Message => ({ n, uidl, size });
const imap = (uid: number, size = 520): ImapMessageMeta => ({ uid, flags: [], internalDateSec: 1, size });
const record = (uidl: string, over: Partial<JournalEntry> = {}): JournalEntry => ({
  folder: 'INBOX',
  uidValidity: V,
  uidl,
  name: uidl,
  sha256: `sha-${uidl}`,
  ...over,
});
const recordsOf = (...records: JournalEntry[]) => new Map(records.map((r) => [r.name, r]));
const uidlsOf = (s: ReturnType<typeof settledUidls>) => ({
  matches: s.matches.map((m) => [m.uid, m.pop3.uidl, m.matchedBy]),
  pop3Only: s.pop3Only.map((p) => p.uidl),
});

describe('settledUidls', () => {
  it('settles a UIDL our file carries when the record names its IMAP message, still there', () => {
    const s = settledUidls(
      [pop3(1, 'a'), pop3(2, 'b')],
      [imap(7), imap(8)],
      recordsOf(record('a', { uid: 7, size: 520 })),
      V,
    );
    expect(uidlsOf(s)).toEqual({ matches: [[7, 'a', 'an earlier run']], pop3Only: [] });
    expect(s.matches[0]?.pop3).toEqual(pop3(1, 'a'));
  });

  it('does not settle a UIDL another source message shares', () => {
    const s = settledUidls([pop3(1, 'a'), pop3(2, 'a')], [imap(7)], recordsOf(record('a', { uid: 7, size: 520 })), V);
    expect(uidlsOf(s)).toEqual({ matches: [], pop3Only: [] });
  });

  it('settles it when the IMAP message changed size in place (flags kept in it), not when it is another message or gone', () => {
    const listing = [pop3(1, 'a')];
    const rec = record('a', { uid: 7, size: 520 });
    expect(uidlsOf(settledUidls(listing, [imap(7, 541)], recordsOf(rec), V, new Set([7]))).matches).toEqual([
      [7, 'a', 'an earlier run'],
    ]);
    expect(uidlsOf(settledUidls(listing, [imap(7, 541)], recordsOf(rec), V)).matches).toEqual([]);
    expect(uidlsOf(settledUidls(listing, [imap(8)], recordsOf(rec), V)).matches).toEqual([]);
    const { size: _size, ...noSize } = rec;
    expect(uidlsOf(settledUidls(listing, [imap(7)], recordsOf(noSize), V)).matches).toEqual([]);
  });

  it('does not settle a record written under another UIDVALIDITY, nor one for another UIDL', () => {
    const listing = [pop3(1, 'a')];
    expect(
      uidlsOf(settledUidls(listing, [imap(7)], recordsOf(record('a', { uid: 7, size: 520, uidValidity: '1' })), V)),
    ).toEqual({ matches: [], pop3Only: [] });
    expect(
      uidlsOf(settledUidls(listing, [imap(7)], recordsOf(record('z', { name: 'a', uid: 7, size: 520 })), V)),
    ).toEqual({ matches: [], pop3Only: [] });
  });

  it('settles a message written from POP3 alone by its POP3 size, not one whose record has no size', () => {
    const records = recordsOf(record('p', { size: 500 }), record('q', { size: 499 }), record('r'));
    expect(uidlsOf(settledUidls([pop3(1, 'p'), pop3(2, 'q'), pop3(3, 'r')], [], records, V))).toEqual({
      matches: [],
      pop3Only: ['p'],
    });
  });

  it('does not settle it while IMAP lists a message no record names: it may be that one, come in between the listings', () => {
    const records = recordsOf(record('a', { uid: 7, size: 520 }), record('p', { size: 500 }));
    expect(uidlsOf(settledUidls([pop3(1, 'a'), pop3(2, 'p')], [imap(7)], records, V)).pop3Only).toEqual(['p']);
    expect(uidlsOf(settledUidls([pop3(1, 'a'), pop3(2, 'p')], [imap(7), imap(8)], records, V))).toEqual({
      matches: [[7, 'a', 'an earlier run']],
      pop3Only: [],
    });
  });
});

describe('recordedUids', () => {
  it('gives the UID list our files under this UIDVALIDITY by name, and those of an earlier one apart', () => {
    const entries = [
      journalEntry('a', { uid: 1 }),
      journalEntry('a', { uid: 2 }),
      journalEntry('p', { uidl: 'p' }),
      journalEntry('old', { uid: 9, uidValidity: OLD_V }),
      journalEntry('s', { uid: 3, folder: 'Sent' }),
    ];
    const { byName, earlier } = recordedUids(entries, 'INBOX', V);
    expect([...byName]).toEqual([['a', 2]]);
    expect(earlier).toEqual([{ uidValidity: OLD_V, uid: 9, name: 'old' }]);
  });
});

describe("verify's records", () => {
  const stored = { bytes: 100, lines: 4, mtimeSec: 50 };
  const entries = [
    journalEntry('a', { uid: 1, sha256: 'first' }),
    journalEntry('a', { uid: 1, sha256: 'again', stored }),
    journalEntry('s', { uid: 3, folder: 'Sent' }),
  ];
  const recordOf = recordsByFolder({ entries, skips: [skip({ uid: 4 }), skip({ uid: 8, folder: 'Sent' })] }, 60);
  const listed = (over: Partial<MaildirEntry> = {}): MaildirEntry => ({
    dir: 'cur',
    name: 'a:2,S',
    mtimeSec: 50,
    size: 100,
    ...over,
  });

  it("holds each folder's last record per name and its own skips", () => {
    const inbox = recordOf('INBOX');
    expect([...inbox.written.values()].map((e) => e.sha256)).toEqual(['again']);
    expect(inbox.skips.map((s) => s.uid)).toEqual([4]);
    expect(inbox.lastImportSec).toBe(60);
    expect([...recordOf('Sent').written.keys()]).toEqual(['s']);
    expect(recordOf('Trash')).toEqual({ written: new Map(), skips: [], lastImportSec: 60 });
  });

  it('trusts the recorded LF count only while the file keeps the size and mtime the import wrote', () => {
    const inbox = recordOf('INBOX');
    expect(recordedLines(listed(), inbox)).toBe(4);
    expect(recordedLines(listed({ size: 101 }), inbox)).toBeUndefined();
    expect(recordedLines(listed({ mtimeSec: 51 }), inbox)).toBeUndefined();
    expect(recordedLines(listed({ name: 'b:2,S' }), inbox)).toBeUndefined();
    expect(recordedLines(listed(), undefined)).toBeUndefined();
  });
});
