/**
 * INBOX mtimes for qmail-pop3d (docs/qmail-pop3d.md): it numbers messages by mtime in whole seconds,
 * breaks ties arbitrarily and hides files whose mtime is not in the past. So every message gets
 * its own second, strictly increasing in the source's POP3 order, as close to its INTERNALDATE
 * as that allows, and below `beforeSec`.
 */
export interface MtimeSlot {
  /** Where the message would like to be: its INTERNALDATE. */
  wantSec: number;
  /** Set for a message already in the Maildir: its mtime is kept as it is. */
  fixedSec?: number;
}

export interface MtimeAssignment {
  mtimeSec: number[];
  /** Slots that could not fit between their fixed neighbours: they got the nearest free second
   *  below, so qmail-pop3d numbers them before a message the source lists first. */
  outOfOrder: number[];
}

/**
 * Assigns a second to each slot (in POP3 order). Fixed slots keep theirs; free slots between two
 * fixed ones go strictly between them where there is room. `takenSec` holds seconds of other
 * files in the Maildir; no two files ever share a second.
 */
export function assignMtimes(
  slots: readonly MtimeSlot[],
  beforeSec: number,
  takenSec: ReadonlySet<number> = new Set(),
): MtimeAssignment {
  const out = slots.map((s) => s.fixedSec ?? NaN);
  const used = new Set([...takenSec, ...out.filter((t) => !Number.isNaN(t))]);
  const outOfOrder: number[] = [];
  let start = 0;
  while (start < slots.length) {
    if (slots[start]?.fixedSec !== undefined) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < slots.length && slots[end]?.fixedSec === undefined) end += 1;
    const lo = start > 0 ? (out[start - 1] as number) : -Infinity;
    const hi = end < slots.length ? Math.min(out[end] as number, beforeSec) : beforeSec;
    // Forward: no earlier than wanted and after the previous one; backward: below the next one.
    let prev = lo;
    for (let i = start; i < end; i++) {
      let t = Math.max((slots[i] as MtimeSlot).wantSec, prev + 1);
      while (used.has(t)) t += 1;
      out[i] = prev = t;
    }
    let next = hi;
    for (let i = end - 1; i >= start; i--) {
      let t = Math.min(out[i] as number, next - 1);
      while (used.has(t)) t -= 1;
      out[i] = next = t;
    }
    for (let i = start; i < end; i++) {
      used.add(out[i] as number);
      if ((out[i] as number) <= lo) outOfOrder.push(i);
    }
    start = end;
  }
  return { mtimeSec: out, outOfOrder };
}
