// The import journal's records as every layer sees them, and what one record says of one message.
// A leaf, so that plan/ (pure) takes them without importing state/, which reads and writes the
// file (state/journal.ts) and answers what the whole journal says (state/records.ts).

/** One message written: where it came from and which file it became. */
export interface JournalEntry {
  folder: string;
  uidValidity: string;
  uid?: number;
  uidl?: string;
  /** The file's name up to ':' (flags may change the rest). */
  name: string;
  /** SHA-256 of the stored bytes: the message's identity when the source renumbers it. Every
   *  version wrote it; a line without it still says the message was written, and the file is
   *  hashed when its content is needed. */
  sha256?: string;
  /** The size the source announced for it (absent in journals of older versions). */
  size?: number;
  /** The file as written: stored (LF) size, LF count and mtime. While its size and mtime are
   *  still these, verify takes its CRLF size from here instead of reading it (docs/journal.md).
   *  Absent in journals of older versions and for files adopted, not written. */
  stored?: StoredFile;
}

export interface StoredFile {
  bytes: number;
  lines: number;
  mtimeSec: number;
}

/** One message not written because it is above --max-size: a record of what the import decided,
 *  so verify names it and does not count it missing. It settles nothing: a run without the limit
 *  (or with a larger one) copies the message, and its written line then tells. */
export interface JournalSkip {
  folder: string;
  uidValidity: string;
  uid?: number;
  uidl?: string;
  /** The size the source announced for it. */
  size: number;
  skipped: 'max-size';
  /** The --max-size of the run that skipped it, in bytes. */
  maxSize: number;
}

/**
 * What the journal says of one folder in this run (docs/journal.md), as the plan takes it: plain
 * data, made by state/records.ts from the journal and the files the folder holds now.
 */
export interface FolderHistory {
  /** The UIDVALIDITY the folder had when we last wrote to it, when that differs from now. */
  uidValidityChangedFrom?: string;
  /** The newest record of each file name we wrote that is still there. */
  recordOf: ReadonlyMap<string, JournalEntry>;
  /** Messages (historyKey) we wrote under this UIDVALIDITY whose file is gone: deleted on this
   *  side, not to be brought back. */
  deletedHere: ReadonlySet<string>;
  /** Messages (historyKey) whose skip as too big the journal holds under this UIDVALIDITY. */
  skipped: ReadonlySet<string>;
}

/** The identity a message has in deletedHere and skipped: its UID, or its UIDL when it came over POP3 alone. */
export function historyKey(m: { uid?: number; uidl?: string }): string {
  return m.uid !== undefined ? `uid ${m.uid}` : `uidl ${m.uidl}`;
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
