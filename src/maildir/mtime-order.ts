/**
 * INBOX mtimes for qmail-pop3d (qmail-pop3d.md): it numbers messages by mtime in whole seconds,
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

export type MtimeAssignment = { ok: true; mtimeSec: number[] } | { ok: false; reason: string };

/**
 * Assigns a second to each slot (in POP3 order). Fixed slots keep theirs; free slots between two
 * fixed ones must fit strictly between them. `takenSec` holds seconds of other files in the
 * Maildir, which free slots avoid so that no two files share a second.
 */
export function assignMtimes(slots: readonly MtimeSlot[], beforeSec: number, takenSec: ReadonlySet<number> = new Set()): MtimeAssignment {
  const out = slots.map((s) => s.fixedSec ?? NaN);
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
      while (takenSec.has(t)) t += 1;
      out[i] = prev = t;
    }
    let next = hi;
    for (let i = end - 1; i >= start; i--) {
      let t = Math.min(out[i] as number, next - 1);
      while (takenSec.has(t)) t -= 1;
      out[i] = next = t;
    }
    if ((out[start] as number) <= lo) {
      return { ok: false, reason: `no free second between existing messages ${start} and ${end + 1} for ${end - start} message(s)` };
    }
    start = end;
  }
  return { ok: true, mtimeSec: out };
}
