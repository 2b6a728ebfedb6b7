import { describe, expect, it } from 'vitest';
import type { ImapMessageMeta, Pop3Message } from '../../src/message-records.js';
import type { JournalEntry } from '../../src/state/journal.js';
import { settledUidls } from '../../src/uidl/settled.js';

const V = '1700000000';
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

  it('settles a message written from POP3 alone by its POP3 size', () => {
    const records = recordsOf(record('p', { size: 500 }), record('q', { size: 499 }));
    expect(uidlsOf(settledUidls([pop3(1, 'p'), pop3(2, 'q')], [], records, V))).toEqual({
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
