import { describe, expect, it } from 'vitest';
import { compareListings } from '../../src/verify/compare.js';

const src = (uidls: string[], size = 100) => uidls.map((uidl, i) => ({ n: i + 1, uidl, size }));
const loc = (uidls: string[], sizeCrlf = 100) => uidls.map((uidl, i) => ({ n: i + 1, uidl, sizeCrlf }));

describe('compareListings', () => {
  it('finds nothing to report when both sides list the same UIDLs, order and sizes', () => {
    expect(compareListings(src(['a', 'b', 'c']), loc(['a', 'b', 'c']))).toEqual({
      matched: 3,
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
});
