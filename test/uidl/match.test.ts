import { describe, expect, it } from 'vitest';
import type { ImapMessageMeta } from '../../src/message-records.js';
import { finishMatching, startMatching, tiedImap } from '../../src/uidl/match.js';
import { matchByEqualKeys, matchByFormula, matchByMessageFields, matchBySize } from '../../src/uidl/match.js';
import { matchBySizeAndOrder } from '../../src/uidl/size-order.js';

const meta = (uid: number, size: number, extra: Partial<ImapMessageMeta> = {}): ImapMessageMeta => ({
  uid,
  size,
  flags: [],
  internalDateSec: 0,
  ...extra,
});
const pop = (n: number, uidl: string, size = 0) => ({ n, uidl, size });
const pairs = (s: ReturnType<typeof startMatching>) => s.matches.map((m) => [m.pop3.n, m.uid, m.matchedBy]);

describe('matchBySizeAndOrder', () => {
  it('trusts only sizes no other leftover has: equal sizes anywhere could be swapped', () => {
    expect(matchBySizeAndOrder([10, 20, 20, 30], [10, 20, 20, 30])).toEqual([
      [0, 0],
      [3, 3],
    ]);
    expect(matchBySizeAndOrder([10, 20, 10], [10, 20, 10])).toEqual([[1, 1]]);
  });

  it('trusts nothing when counts or any size differ', () => {
    expect(matchBySizeAndOrder([10, 20], [10])).toEqual([]);
    expect(matchBySizeAndOrder([10, 20, 30], [10, 21, 30])).toEqual([]);
  });
});

describe('matching steps', () => {
  it('takes the cheapest evidence first and hands only leftovers on', () => {
    const imap = [meta(1, 100), meta(2, 200, { xUidl: 'qpopper-2' }), meta(3, 300), meta(4, 300)];
    let s = startMatching(imap, [
      pop(1, '77.1', 100),
      pop(2, 'qpopper-2', 200),
      pop(3, 'opaque-a', 300),
      pop(4, 'opaque-b', 300),
    ]);
    s = matchByFormula(s, '77');
    expect(pairs(s)).toEqual([[1, 1, 'formula %v.%u']]);
    s = matchByMessageFields(s);
    expect(pairs(s).slice(1)).toEqual([[2, 2, 'X-UIDL header']]);
    s = matchBySize(s);
    expect(s.matches).toHaveLength(2);
    s = matchByEqualKeys(
      s,
      new Map([
        [3, 'h3'],
        [4, 'h4'],
      ]),
      new Map([
        [3, 'h3'],
        [4, 'h4'],
      ]),
      'header hash',
      false,
    );
    expect(pairs(s).slice(2)).toEqual([
      [3, 3, 'header hash'],
      [4, 4, 'header hash'],
    ]);
    expect(finishMatching(s).unmatchedPop3).toEqual([]);
  });

  it('never pairs equal header hashes by position: equal sizes stay undecided and say why', () => {
    let s = startMatching([meta(5, 1), meta(6, 1)], [pop(1, 'a', 1), pop(2, 'b', 1), pop(3, 'c', 1)]);
    const dup = (keys: number[]) => new Map(keys.map((k) => [k, 'dup']));
    s = matchByEqualKeys(s, dup([1, 2, 3]), dup([5, 6]), 'header hash', false);
    expect(pairs(s)).toEqual([]);
    expect(finishMatching(s).unmatchedPop3.map((u) => [u.n, u.reason])).toEqual(
      [1, 2, 3].map((n) => [
        n,
        'several IMAP messages fit it equally well (header hash, same size); none is taken on position alone',
      ]),
    );
  });

  it('POP3 order unlike UID order: equal headers of different sizes pair by size, not position', () => {
    // POP3 lists the bigger one first; UID order has the smaller one first.
    let s = startMatching([meta(10, 500), meta(11, 700)], [pop(1, 'x', 700), pop(2, 'y', 500)]);
    const same = (keys: number[]) => new Map(keys.map((k) => [k, 'h']));
    s = matchBySize(s);
    expect(s.matches).toEqual([]);
    s = matchByEqualKeys(s, same([1, 2]), same([10, 11]), 'header hash', false);
    expect(pairs(s)).toEqual([
      [1, 11, 'header hash'],
      [2, 10, 'header hash'],
    ]);
  });

  it('equal headers and sizes but different bodies: the content hash decides, never the order', () => {
    let s = startMatching([meta(10, 500), meta(11, 500)], [pop(1, 'x', 500), pop(2, 'y', 500)]);
    const same = (keys: number[]) => new Map(keys.map((k) => [k, 'h']));
    s = matchByEqualKeys(s, same([1, 2]), same([10, 11]), 'header hash', false);
    expect(s.matches).toEqual([]);
    s = matchByEqualKeys(
      s,
      new Map([
        [1, 'body-B'],
        [2, 'body-A'],
      ]),
      new Map([
        [10, 'body-A'],
        [11, 'body-B'],
      ]),
      'content hash',
      true,
    );
    expect(pairs(s)).toEqual([
      [1, 11, 'content hash'],
      [2, 10, 'content hash'],
    ]);
  });

  it('true duplicates (same bytes) pair in order; a copy POP3 has once more stays for POP3 itself', () => {
    let s = startMatching([meta(10, 500), meta(11, 500)], [pop(1, 'x', 500), pop(2, 'y', 500), pop(3, 'z', 500)]);
    const same = (keys: number[]) => new Map(keys.map((k) => [k, 'bytes']));
    s = matchByEqualKeys(s, same([1, 2, 3]), same([10, 11]), 'content hash', true);
    expect(pairs(s)).toEqual([
      [1, 10, 'content hash'],
      [2, 11, 'content hash'],
    ]);
    expect(s.pop3Left.map((p) => p.n)).toEqual([3]);
  });

  it('same content with different sizes (a server adds headers to one protocol) pairs in order: the bytes say they are the same', () => {
    let s = startMatching([meta(10, 500), meta(11, 500)], [pop(1, 'x', 522), pop(2, 'y', 522)]);
    const same = (keys: number[]) => new Map(keys.map((k) => [k, 'content']));
    s = matchByEqualKeys(s, same([1, 2]), same([10, 11]), 'content hash', true);
    expect(pairs(s)).toEqual([
      [1, 10, 'content hash'],
      [2, 11, 'content hash'],
    ]);
  });

  it('a group left undecided with as many on each side ties: its IMAP members are the same messages as its POP3 ones', () => {
    // Equal headers; POP3 sizes never equal IMAP's (headers added) and no content hash agrees.
    let s = startMatching(
      [meta(10, 500), meta(11, 600), meta(12, 700), meta(13, 800)],
      [pop(1, 'x', 522), pop(2, 'y', 622), pop(3, 'z', 722)],
    );
    const keys = (pairs: [number, string][]) => new Map(pairs);
    s = matchByEqualKeys(
      s,
      keys([
        [1, 'h'],
        [2, 'h'],
        [3, 'other'],
      ]),
      keys([
        [10, 'h'],
        [11, 'h'],
        [12, 'other'],
        [13, 'other'],
      ]),
      'header hash',
      false,
    );
    s = matchByEqualKeys(s, keys([]), keys([]), 'content hash', true);
    expect(pairs(s)).toEqual([]);
    // Two POP3 and two IMAP messages share "h": tied. One POP3 and two IMAP share "other": not.
    expect(tiedImap(s)).toEqual([10, 11]);
    expect(finishMatching(s).unmatchedPop3.map((u) => u.n)).toEqual([1, 2, 3]);
  });

  it('a tie a later step splits up is a tie no more for what that step paired', () => {
    let s = startMatching([meta(10, 500), meta(11, 600)], [pop(1, 'x', 522), pop(2, 'y', 622)]);
    const same = (keys: number[]) => new Map(keys.map((k) => [k, 'h']));
    s = matchByEqualKeys(s, same([1, 2]), same([10, 11]), 'header hash', false);
    expect(tiedImap(s)).toEqual([10, 11]);
    s = matchByEqualKeys(s, new Map([[1, 'c1']]), new Map([[10, 'c1']]), 'content hash', true);
    expect(pairs(s)).toEqual([[1, 10, 'content hash']]);
    expect(tiedImap(s)).toEqual([11]);
  });

  it('two POP3 messages sharing a formula UIDL are told apart by size, or left alone', () => {
    const imap = [meta(1, 100), meta(2, 200)];
    let s = matchByFormula(startMatching(imap, [pop(1, '1', 300), pop(2, '1', 100), pop(3, '2', 200)]), '9');
    expect(pairs(s)).toEqual([
      [2, 1, 'formula %u'],
      [3, 2, 'formula %u'],
    ]);
    s = matchByFormula(startMatching(imap, [pop(1, '1', 100), pop(2, '1', 100)]), '9');
    expect(pairs(s)).toEqual([]);
  });

  it('matches a Message-ID UIDL with or without brackets, and leaves a Message-ID two messages share', () => {
    const s = matchByMessageFields(
      startMatching(
        [
          meta(1, 1, { messageId: '<id1@x>' }),
          meta(2, 1, { messageId: '<same@x>' }),
          meta(3, 1, { messageId: '<same@x>' }),
        ],
        [pop(1, 'id1@x'), pop(2, '<same@x>')],
      ),
    );
    expect(pairs(s)).toEqual([[1, 1, 'Message-ID']]);
  });
});
