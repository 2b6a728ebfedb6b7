import { describe, expect, it } from 'vitest';
import { folderHistory, historyKey, recordIdentifies, type ExistingFile } from '../../src/plan/history.js';
import { journalEntry, TEST_UIDVALIDITY } from '../support/journal-entry.js';

const V = TEST_UIDVALIDITY;
const OLD_V = '1600000000';
const here = (...names: string[]): Map<string, ExistingFile> =>
  new Map(names.map((n) => [n, { dir: 'new', file: n, mtimeSec: 1 }]));

describe('historyKey', () => {
  it('names a message by its UID, and by its UIDL only when it came over POP3 alone', () => {
    expect(historyKey({ uid: 7, uidl: 'abc' })).toBe('uid 7');
    expect(historyKey({ uidl: 'abc' })).toBe('uidl abc');
  });
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
});

describe('recordIdentifies', () => {
  const record = journalEntry('1700000000.4', { uid: 4, uidl: '1700000000.4', size: 1200 });

  it('is the message when UIDVALIDITY and UID agree', () => {
    expect(recordIdentifies(record, { uid: 4, uidl: 'whatever', size: 1200 }, V)).toBe(true);
  });

  it('is not when the source renumbered: another UID under the same name', () => {
    expect(recordIdentifies(record, { uid: 5, uidl: '1700000000.4', size: 1200 }, V)).toBe(false);
  });

  it('is not under another UIDVALIDITY, even with the same UID', () => {
    expect(recordIdentifies(record, { uid: 4, size: 1200 }, OLD_V)).toBe(false);
  });

  it('is with another size only where the source changed the message in place (flags kept in it)', () => {
    expect(recordIdentifies(record, { uid: 4, size: 1222 }, V, new Set([4]))).toBe(true);
    expect(recordIdentifies(record, { uid: 4, size: 1222 }, V)).toBe(false);
  });

  it('trusts UID alone in a record of an older version that has no size', () => {
    const { size: _size, ...noSize } = record;
    expect(recordIdentifies(noSize, { uid: 4, size: 99 }, V)).toBe(true);
  });

  it('compares the UIDL for a message that came over POP3 alone', () => {
    const pop3Only = journalEntry('u1', { uidl: 'u1', size: 300 });
    expect(recordIdentifies(pop3Only, { uidl: 'u1', size: 300 }, V)).toBe(true);
    expect(recordIdentifies(pop3Only, { uidl: 'u2', size: 300 }, V)).toBe(false);
  });

  it('takes a message written from POP3 alone for the IMAP message with its UIDL and size (listed by IMAP since)', () => {
    const pop3Only = journalEntry('u1', { uidl: 'u1', size: 300 });
    expect(recordIdentifies(pop3Only, { uid: 6, uidl: 'u1', size: 300 }, V)).toBe(true);
    expect(recordIdentifies(pop3Only, { uid: 6, uidl: 'u1', size: 301 }, V)).toBe(false);
  });
});
