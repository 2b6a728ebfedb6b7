import { describe, expect, it } from 'vitest';
import type { ImapMessageMeta } from '../../src/message-records.js';
import {
  finishMatching,
  matchByEqualKeys,
  matchByFormula,
  matchByMessageFields,
  matchBySize,
  startMatching,
} from '../../src/uidl/match.js';
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
  it('trusts positions whose size differs from both neighbours', () => {
    expect(matchBySizeAndOrder([10, 20, 20, 30], [10, 20, 20, 30])).toEqual([
      [0, 0],
      [3, 3],
    ]);
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
    );
    expect(pairs(s).slice(2)).toEqual([
      [3, 3, 'header hash'],
      [4, 4, 'header hash'],
    ]);
    expect(finishMatching(s).unmatchedPop3).toEqual([]);
  });

  it('pairs equal keys in order, and says what was tried for what stays unmatched', () => {
    let s = startMatching([meta(5, 1), meta(6, 1)], [pop(1, 'a'), pop(2, 'b'), pop(3, 'c')]);
    s = matchByEqualKeys(
      s,
      new Map([
        [1, 'dup'],
        [2, 'dup'],
        [3, 'dup'],
      ]),
      new Map([
        [5, 'dup'],
        [6, 'dup'],
      ]),
      'header hash',
    );
    expect(pairs(s)).toEqual([
      [1, 5, 'header hash'],
      [2, 6, 'header hash'],
    ]);
    expect(finishMatching(s).unmatchedPop3).toEqual([
      { n: 3, uidl: 'c', reason: 'no IMAP message found by header hash' },
    ]);
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
