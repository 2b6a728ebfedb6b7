import fs from 'node:fs/promises';
import path from 'node:path';
import type { ErrorContext } from '../errors.js';
import { readOwnFile } from '../maildir/read-file.js';
import { replaceFile } from '../maildir/replace-file.js';

/** What STATUS said of a source folder (RFC 3501, and HIGHESTMODSEQ where CONDSTORE is offered). */
export interface FolderStatus {
  uidValidity: string;
  uidNext: number;
  messages: number;
  highestModseq?: string;
}

/** A folder an earlier run imported completely and cleanly, and what its source looked like then. */
export interface FolderMark extends FolderStatus {
  /** INBOX: what the UIDL matching found then, repeated in the report of a run that skips it. */
  pop3Messages?: number;
  uidlsKept?: number;
}

/**
 * The marks file: one JSON document in the Maildir root, next to the journal (docs/journal.md).
 * A delta compares each folder's STATUS with its mark: equal, the folder is not read again.
 */
const MARKS_FILE = 'qmail-import.marks';

export async function readMarks(maildir: string, context: ErrorContext): Promise<Map<string, FolderMark>> {
  const text = await readOwnFile(path.join(maildir, MARKS_FILE), context);
  try {
    const parsed = JSON.parse(text || '{}') as { folders?: Record<string, FolderMark> };
    return new Map(Object.entries(parsed.folders ?? {}));
  } catch {
    // A damaged marks file only costs a full comparison.
    return new Map();
  }
}

/** When the marks were last written (the end of the last run that wrote to the Maildir), if they were. */
export async function marksWrittenMs(maildir: string): Promise<number | undefined> {
  return fs.lstat(path.join(maildir, MARKS_FILE)).then(
    (st) => st.mtimeMs,
    () => undefined,
  );
}

export async function writeMarks(
  maildir: string,
  marks: ReadonlyMap<string, FolderMark>,
  context: ErrorContext,
): Promise<void> {
  const text = `${JSON.stringify({ version: 1, folders: Object.fromEntries(marks) })}\n`;
  await replaceFile(maildir, path.join(maildir, MARKS_FILE), text, context);
}

/**
 * Whether a folder can be skipped: its mark matches STATUS exactly, HIGHESTMODSEQ included. Without
 * CONDSTORE a flag set at the source changes no STATUS item, so such a folder is always read.
 */
export function unchangedSince(mark: FolderMark | undefined, now: FolderStatus | undefined): boolean {
  if (!mark || !now || now.highestModseq === undefined) return false;
  return (
    mark.uidValidity === now.uidValidity &&
    mark.uidNext === now.uidNext &&
    mark.messages === now.messages &&
    mark.highestModseq === now.highestModseq
  );
}
