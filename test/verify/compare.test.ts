import { describe, expect, it } from 'vitest';
import { compareListings } from '../../src/verify/compare.js';

const src = (uidls: string[], size = 100) => uidls.map((uidl, i) => ({ n: i + 1, uidl, size }));
const loc = (uidls: string[], sizeCrlf = 100) => uidls.map((uidl, i) => ({ n: i + 1, uidl, sizeCrlf }));

describe('compareListings', () => {
  it('finds nothing to report when both sides list the same UIDLs, order and sizes', () => {
    expect(compareListings(src(['a', 'b', 'c']), loc(['a', 'b', 'c']))).toEqual({
      matched: 3,
      sharedUidl: [],
      missing: [],
      extra: [],
      reordered: [],
      sizeDiffers: [],
    });
  });

  it('names missing and extra messages without calling the rest reordered', () => {
    const d = compareListings(src(['a', 'b', 'c']), loc(['a', 'c', 'z']));
    expect(d.missing.map((m) => m.uidl)).toEqual(['b']);
    expect(d.extra.map((m) => m.uidl)).toEqual(['z']);
    expect(d.reordered).toEqual([]);
  });

  it('names swapped messages with both message numbers', () => {
    const d = compareListings(src(['a', 'b', 'c', 'd']), loc(['a', 'c', 'b', 'd']));
    expect(d.reordered).toEqual([
      { uidl: 'b', sourceN: 2, localN: 3 },
      { uidl: 'c', sourceN: 3, localN: 2 },
    ]);
  });

  it('names a message whose size differs after line-end conversion', () => {
    const local = loc(['a', 'b']);
    local[1]!.sizeCrlf = 99;
    expect(compareListings(src(['a', 'b']), local).sizeDiffers).toEqual([
      { uidl: 'b', localN: 2, sourceSize: 100, localSizeCrlf: 99 },
    ]);
  });

  describe('a source that gives several messages one UIDL', () => {
    it('counts the UIDL once and names the later messages apart, not as matched', () => {
      // Source #2, #3 and #4 share "s"; here "s" is listed once, #3 and #4 under names of their own.
      const d = compareListings(src(['a', 's', 's', 's', 'b']), loc(['a', 's', 'own-3', 'own-4', 'b']));
      expect(d.matched).toBe(3);
      expect(d.sharedUidl).toEqual([
        { n: 3, uidl: 's', size: 100 },
        { n: 4, uidl: 's', size: 100 },
      ]);
      expect(d.missing).toEqual([]);
      expect(d.extra.map((m) => m.uidl)).toEqual(['own-3', 'own-4']);
    });

    it('compares order on first occurrences, so messages in order are not called reordered', () => {
      const d = compareListings(src(['s', 's', 'a', 'b', 'c']), loc(['s', 'a', 'b', 'c']));
      expect(d.reordered).toEqual([]);
      expect(d.matched).toBe(4);
    });

    it('still finds a message out of order among them', () => {
      const d = compareListings(src(['s', 's', 'a', 'b']), loc(['s', 'b', 'a']));
      expect(d.reordered.map((r) => r.uidl)).toEqual(['a', 'b']);
    });

    it('names a source UIDL that has no file here as missing', () => {
      const d = compareListings(src(['a', 's', 's', 'b']), loc(['a', 'b']));
      expect(d.matched).toBe(2);
      expect(d.missing.map((m) => m.n)).toEqual([2]);
      expect(d.sharedUidl.map((m) => m.n)).toEqual([3]);
    });
  });
});
