import { describe, expect, it } from 'vitest';
import { formatCourierUiddb, parseCourierUiddb } from '../../src/maildir/courier-uiddb.js';
import { formatDovecotUidlist, parseDovecotUidlist } from '../../src/maildir/dovecot-uidlist.js';
import { dovecotKeywordLetters } from '../../src/maildir/dovecot-keywords.js';
import { decideUidList, type ImapUidState } from '../../src/maildir/uid-list-plan.js';

const state: ImapUidState = {
  uidValidity: '1700000000',
  uidNext: 20,
  messages: [
    { uid: 3, name: 'a' },
    { uid: 7, name: 'b' },
    { uid: 9, name: 'c' },
  ],
  earlier: [],
};
const present = new Set(['a', 'b', 'c']);

/** A UID list with its (uid, name) entries in the order given. */
function uidList(uidValidity: number, nextUid: number, entries: [number, string][]) {
  return { uidValidity, nextUid, entries: entries.map(([uid, name]) => ({ uid, name })) };
}

describe('the UID list formats', () => {
  it("reads Dovecot's version 3 list with record fields, and writes it back in UID order", () => {
    const text = '3 V1700000000 N20 G0123456789abcdef0123456789abcdef\n7 W1234 :b\n3 :a\n';
    const list = parseDovecotUidlist(text);
    expect(list).toEqual({
      uidValidity: 1700000000,
      nextUid: 20,
      guid: '0123456789abcdef0123456789abcdef',
      entries: [
        { uid: 7, name: 'b' },
        { uid: 3, name: 'a' },
      ],
    });
    expect(formatDovecotUidlist(list!)).toBe('3 V1700000000 N20 G0123456789abcdef0123456789abcdef\n3 :a\n7 :b\n');
    expect(parseDovecotUidlist('1 1700000000 20\n')).toBeUndefined();
  });

  it("reads and writes Courier's courierimapuiddb", () => {
    const list = uidList(5, 10, [
      [9, 'x'],
      [2, 'y'],
    ]);
    expect(formatCourierUiddb(list)).toBe('1 5 10\n2 y\n9 x\n');
    expect(parseCourierUiddb('1 5 10\n2 y\n9 x\n')?.entries).toEqual([
      { uid: 2, name: 'y' },
      { uid: 9, name: 'x' },
    ]);
  });

  it("gives Dovecot keywords letters a-z, keeping the folder's and stopping at 26", () => {
    const known: (string | undefined)[] = ['$Junk'];
    expect(dovecotKeywordLetters(known, ['$Forwarded', '$Junk'])).toEqual({ letters: 'ab', overflow: [] });
    expect(known).toEqual(['$Junk', '$Forwarded']);
    const full = Array.from({ length: 26 }, (_, i) => `k${i}`);
    expect(dovecotKeywordLetters(full, ['late']).overflow).toEqual(['late']);
  });
});

describe('decideUidList', () => {
  it("a first list: the source's UIDVALIDITY, its UIDs, next UID = max(UIDNEXT, highest + 1)", () => {
    const d = decideUidList(undefined, new Set([...present, 'foreign']), state);
    expect(d.write).toEqual({
      uidValidity: 1700000000,
      nextUid: 20,
      entries: [
        { uid: 3, name: 'a' },
        { uid: 7, name: 'b' },
        { uid: 9, name: 'c' },
      ],
    });
    expect(d.leftForServer).toBe(1);
    expect(decideUidList(undefined, present, { ...state, uidNext: 0 }).write?.nextUid).toBe(10);
  });

  it('writes nothing when the list already says it all', () => {
    const d = decideUidList(decideUidList(undefined, present, state).write, present, state);
    expect(d.write).toBeUndefined();
    expect(d.listed).toBe(3);
  });

  it('leaves a list alone once the server has numbered a message of its own, and every new message to it', () => {
    const existing = uidList(1700000000, 21, [
      [3, 'a'],
      [20, 'delivered'],
    ]);
    const d = decideUidList(existing, new Set([...present, 'delivered']), state);
    expect(d.write).toBeUndefined();
    expect(d).toMatchObject({ serverNumbered: true, listed: 1, leftForServer: 2 });
  });

  it("under the same UIDVALIDITY never lists a message below the list's next UID it did not hold", () => {
    const existing = { uidValidity: 1700000000, nextUid: 8, entries: [{ uid: 3, name: 'a' }] };
    const d = decideUidList(existing, present, state);
    expect(d.write?.entries.map((e) => e.uid)).toEqual([3, 9]);
    expect(d.leftForServer).toBe(1);
  });

  it("rewrites a list of ours under the source's new UIDVALIDITY after the source renumbered", () => {
    const existing = { uidValidity: 1600000000, nextUid: 5, entries: [{ uid: 4, name: 'old' }] };
    const d = decideUidList(existing, present, {
      ...state,
      earlier: [{ uidValidity: '1600000000', uid: 4, name: 'old' }],
    });
    expect(d.write?.uidValidity).toBe(1700000000);
    expect(d.uidValidityChangedFrom).toBe(1600000000);
    expect(decideUidList(existing, present, state).serverNumbered).toBe(true);
  });
});
