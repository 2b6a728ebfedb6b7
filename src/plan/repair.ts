// What an import puts back on its own: a file of ours that is no longer what it wrote (docs/journal.md).
import type { JournalEntry } from '../journal-records.js';
import type { ExistingFile } from '../maildir/scan.js';

/** A file of ours to fetch again: why, and the mtime it had when written (its place in the order). */
export interface Repair {
  why: string;
  mtimeSec: number;
}

/**
 * Whether a file we wrote is no longer what its journal record says we wrote: another size, or
 * another mtime (which moves it in qmail-pop3d's order, docs/qmail-pop3d.md). A stat's worth, no
 * read: the flags after ':' are the user's to change, and a file rewritten with its size and
 * mtime put back is not seen (`verify --content all` compares bytes). A record without `stored`
 * (an adopted file, an older journal) says nothing to compare with.
 */
export function repairOf(file: ExistingFile, record: JournalEntry): Repair | undefined {
  const stored = record.stored;
  if (!stored) return undefined;
  const was = { mtimeSec: stored.mtimeSec };
  if (file.size !== stored.bytes) return { ...was, why: `${file.size} bytes, written as ${stored.bytes}` };
  if (file.mtimeSec !== stored.mtimeSec)
    return { ...was, why: `mtime ${isoSec(file.mtimeSec)}, written as ${isoSec(stored.mtimeSec)}` };
  return undefined;
}

/** Whether every file of ours that a folder still holds is as written: only then may a run skip it. */
export function allAsWritten(
  existing: ReadonlyMap<string, ExistingFile>,
  recordOf: ReadonlyMap<string, JournalEntry>,
): boolean {
  return [...recordOf].every(([name, record]) => {
    const file = existing.get(name);
    return !file || repairOf(file, record) === undefined;
  });
}

function isoSec(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
}
