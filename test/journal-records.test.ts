import { describe, expect, it } from 'vitest';
import { historyKey, recordIdentifies } from '../src/journal-records.js';
import { journalEntry, TEST_UIDVALIDITY } from './support/journal-entry.js';

const V = TEST_UIDVALIDITY;
const OLD_V = '1600000000';

describe('historyKey', () => {
  it('names a message by its UID, and by its UIDL only when it came over POP3 alone', () => {
    expect(historyKey({ uid: 7, uidl: 'abc' })).toBe('uid 7');
    expect(historyKey({ uidl: 'abc' })).toBe('uidl abc');
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
