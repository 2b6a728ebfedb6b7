import { describe, expect, it } from 'vitest';
import { assignMtimes, type MtimeSlot } from '../../src/maildir/mtime-order.js';

const BEFORE = 1_800_000_000;
const want = (...secs: number[]): MtimeSlot[] => secs.map((wantSec) => ({ wantSec }));

function expectStrictlyIncreasingBefore(secs: number[], before: number) {
  secs.forEach((s, i) => {
    if (i > 0) expect(s).toBeGreaterThan(secs[i - 1] as number);
    expect(s).toBeLessThan(before);
  });
}

describe('assignMtimes', () => {
  it('keeps INTERNALDATEs that are already distinct and increasing', () => {
    expect(assignMtimes(want(100, 200, 300), BEFORE)).toEqual({ outOfOrder: [], mtimeSec: [100, 200, 300] });
  });

  it('moves equal seconds apart, as little as possible', () => {
    expect(assignMtimes(want(100, 100, 100, 500), BEFORE)).toEqual({ outOfOrder: [], mtimeSec: [100, 101, 102, 500] });
  });

  it('keeps the POP3 order when INTERNALDATEs run backwards', () => {
    const r = assignMtimes(want(500, 100, 300), BEFORE);
    expect(r).toEqual({ outOfOrder: [], mtimeSec: [500, 501, 502] });
  });

  it('pulls dates at or after the run start into the past, still distinct and ordered', () => {
    const r = assignMtimes(want(BEFORE - 2, BEFORE, BEFORE + 3600, BEFORE + 10), BEFORE);
    expect(r.outOfOrder).toEqual([]);
    expectStrictlyIncreasingBefore(r.mtimeSec, BEFORE);
  });

  it('keeps existing messages where they are and fits new ones between them', () => {
    const r = assignMtimes(
      [
        { wantSec: 0, fixedSec: 100 },
        { wantSec: 50 },
        { wantSec: 300 },
        { wantSec: 0, fixedSec: 200 },
        { wantSec: 10 },
      ],
      BEFORE,
    );
    expect(r).toEqual({ outOfOrder: [], mtimeSec: [100, 101, 199, 200, 201] });
  });

  it('avoids seconds other files hold', () => {
    expect(assignMtimes(want(100, 100), BEFORE, new Set([100, 101]))).toEqual({ outOfOrder: [], mtimeSec: [102, 103] });
  });

  it('with no room between two existing messages, still gives distinct seconds and names what is out of order', () => {
    const r = assignMtimes(
      [
        { wantSec: 90 },
        { wantSec: 0, fixedSec: 100 },
        { wantSec: 100 },
        { wantSec: 100 },
        { wantSec: 0, fixedSec: 102 },
      ],
      BEFORE,
    );
    expect(r.mtimeSec).toEqual([90, 100, 99, 101, 102]);
    expect(r.outOfOrder).toEqual([2]);
    expect(new Set(r.mtimeSec).size).toBe(5);
  });

  it('handles a large mailbox with every message in the same second', () => {
    const r = assignMtimes(want(...Array.from({ length: 100_000 }, () => BEFORE - 10)), BEFORE);
    expect(r.outOfOrder).toEqual([]);
    expectStrictlyIncreasingBefore(r.mtimeSec, BEFORE);
  });
});
