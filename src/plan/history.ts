import type { JournalEntry, JournalSkip } from '../state/journal.js';

/** A file already in the folder under a planned name. */
export interface ExistingFile {
  dir: 'new' | 'cur';
  file: string;
  mtimeSec: number;
}

/**
 * What the journal says of one folder in this run (docs/journal.md). Pure: the caller hands in
 * the journal's entries and the files the folder holds now.
 */
export interface FolderHistory {
  /** The UIDVALIDITY the folder had when we last wrote to it, when that differs from now. */
  uidValidityChangedFrom?: string;
  /** The newest record of each file name we wrote that is still there. */
  recordOf: ReadonlyMap<string, JournalEntry>;
  /** Messages we wrote under this UIDVALIDITY whose file is gone: deleted on this side, not to be brought back. */
  deletedHere: ReadonlySet<string>;
  /** Messages (historyKey) whose skip as too big the journal holds under this UIDVALIDITY. */
  skipped: ReadonlySet<string>;
}

/** The identity a message has in deletedHere: its UID, or its UIDL when it came over POP3 alone. */
export function historyKey(m: { uid?: number; uidl?: string }): string {
  return m.uid !== undefined ? `uid ${m.uid}` : `uidl ${m.uidl}`;
}

export function folderHistory(
  entries: readonly JournalEntry[],
  folder: string,
  uidValidity: string,
  existing: ReadonlyMap<string, ExistingFile>,
  skips: readonly JournalSkip[] = [],
): FolderHistory {
  const mine = entries.filter((e) => e.folder === folder);
  const last = mine[mine.length - 1]?.uidValidity;
  const recordOf = new Map<string, JournalEntry>();
  const gone = new Set<string>();
  const stillHere = new Set<string>();
  for (const e of mine) {
    if (existing.has(e.name)) recordOf.set(e.name, e);
    if (e.uidValidity !== uidValidity) continue;
    (existing.has(e.name) ? stillHere : gone).add(historyKey(e));
  }
  // A message renamed since (by content, or out of a name another message needed) is still here.
  const deletedHere = new Set([...gone].filter((k) => !stillHere.has(k)));
  return {
    ...(last !== undefined && last !== uidValidity ? { uidValidityChangedFrom: last } : {}),
    recordOf,
    deletedHere,
    skipped: new Set(skips.filter((s) => s.folder === folder && s.uidValidity === uidValidity).map(historyKey)),
  };
}

/**
 * Whether the file we wrote under a name holds the incoming message: a name alone proves nothing
 * (a source that renumbers hands old UIDLs to other messages), the journal's record must say so.
 * The same UIDVALIDITY, UID and size are the same message. With another size it is the same
 * message only where the source changed it in place (`changedInPlace`: a server that keeps
 * flags in the message, docs/journal.md); else the source moved UIDs (Courier did) and the
 * content match finds each message's file.
 */
export function recordIdentifies(
  record: JournalEntry,
  m: { uid?: number; uidl?: string; size?: number },
  uidValidity: string,
  changedInPlace: ReadonlySet<number> = new Set(),
): boolean {
  if (record.uidValidity !== uidValidity) return false;
  const sameSize = record.size === undefined || record.size === m.size;
  if (m.uid !== undefined && record.uid !== undefined)
    return record.uid === m.uid && (sameSize || changedInPlace.has(m.uid));
  // A message written from POP3 alone may show on IMAP later (it came in between the two
  // listings): its record has no UID, and its UIDL and size say which message it is.
  return record.uidl === m.uidl && sameSize;
}
