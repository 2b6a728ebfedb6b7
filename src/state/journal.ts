import fs from 'node:fs/promises';
import path from 'node:path';
import { FolderError, fsCall, syscallText, type ErrorContext } from '../errors.js';
import { endsWithNewline, openOwnFile, writeAll } from '../maildir/read-file.js';

/** One message written: where it came from and which file it became. */
export interface JournalEntry {
  folder: string;
  uidValidity: string;
  uid?: number;
  uidl?: string;
  /** The file's name up to ':' (flags may change the rest). */
  name: string;
  /** SHA-256 of the stored bytes: the message's identity when the source renumbers it. */
  sha256: string;
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

/** Everything the journal holds: messages written, and messages skipped as too big. */
export interface JournalContents {
  entries: JournalEntry[];
  skips: JournalSkip[];
}

/**
 * The import journal: one JSON line per message written, appended after the message is synced
 * and linked, in a plain file in the Maildir root (IMAP servers take only dot-directories there
 * for folders). Re-runs do not need it to skip what is there (file names are stable); it is what
 * tells a changed UIDVALIDITY, a message deleted on the source, and the content of what we wrote.
 */
const JOURNAL_FILE = 'qmail-import.journal';

export async function readJournal(maildir: string, context: ErrorContext): Promise<JournalContents> {
  const file = path.join(maildir, JOURNAL_FILE);
  const entries: JournalEntry[] = [];
  const skips: JournalSkip[] = [];
  let lineNo = 0;
  const take = (line: string, last: boolean) => {
    lineNo += 1;
    if (line === '') return;
    const entry = parseEntry(line);
    if (entry && 'skipped' in entry) skips.push(entry);
    else if (entry) entries.push(entry);
    // The last line may be cut short by a crash or a full disk: skipped quietly. Any other bad line
    // (a cut one a later run ended, a `null`, an edit) is skipped with a warning; it fails no run.
    else if (!last)
      process.stderr.write(`qmail-import: WARNING: ${file} line ${lineNo} is not a journal entry; skipped\n`);
  };
  const handle = await openOwnFile(file, fs.constants.O_RDONLY, context);
  if (!handle) return { entries, skips };
  // Streamed: a journal of 100,000 messages is tens of MB; read whole, it and its lines would sit
  // in memory beside the entries parsed from them.
  let rest = '';
  try {
    for await (const chunk of handle.createReadStream({ encoding: 'utf8', autoClose: false })) {
      const lines = (rest + (chunk as string)).split('\n');
      rest = lines.pop() as string;
      for (const line of lines) take(line, false);
    }
  } catch (err) {
    throw new FolderError(syscallText('read', file, err), { ...context, cause: err });
  } finally {
    await handle.close();
  }
  take(rest, true);
  return { entries, skips };
}

/** One journal line as a record, or undefined when it is not one (cut short, `null`, edited). */
function parseEntry(line: string): JournalEntry | JournalSkip | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  const source =
    typeof e.folder === 'string' &&
    typeof e.uidValidity === 'string' &&
    (e.uid === undefined || Number.isSafeInteger(e.uid)) &&
    (e.uidl === undefined || typeof e.uidl === 'string') &&
    (e.uid !== undefined || e.uidl !== undefined);
  if (!source) return undefined;
  if (e.skipped === 'max-size')
    return Number.isSafeInteger(e.size) && Number.isSafeInteger(e.maxSize) ? (e as unknown as JournalSkip) : undefined;
  if (typeof e.name !== 'string' || typeof e.sha256 !== 'string') return undefined;
  // A `stored` that is not three whole numbers is dropped: verify then reads the file.
  const { stored, ...entry } = e;
  return (isStoredFile(stored) ? { ...entry, stored } : entry) as unknown as JournalEntry;
}

function isStoredFile(v: unknown): v is StoredFile {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return [s.bytes, s.lines, s.mtimeSec].every((n) => Number.isSafeInteger(n));
}

/** When the import last wrote a message into this Maildir: the journal's mtime, in whole seconds
 *  (every message written appends a line, as does one skipped as too big the first time, in the
 *  same run as the new mail around it); undefined when nothing was ever imported here. */
export async function lastWrittenSec(maildir: string, context: ErrorContext): Promise<number | undefined> {
  const file = path.join(maildir, JOURNAL_FILE);
  const st = await fsCall(() => fs.lstat(file), 'stat', file, context, { expected: { ENOENT: undefined } });
  return st && Math.floor(st.mtimeMs / 1000);
}

export class Journal {
  /** Records are written one after another: a short write is finished before the next starts. */
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly handle: fs.FileHandle,
    private readonly file: string,
    /** The file does not end with a newline (a line cut short): the next record starts one. */
    private cut: boolean,
  ) {}

  static async open(maildir: string, context: ErrorContext): Promise<Journal> {
    const file = path.join(maildir, JOURNAL_FILE);
    const { O_RDWR, O_APPEND, O_CREAT } = fs.constants;
    const handle = (await openOwnFile(file, O_RDWR | O_APPEND | O_CREAT, context)) as fs.FileHandle;
    const cut = await fsCall(async () => !(await endsWithNewline(handle)), 'read', file, context).catch(async (err) => {
      await handle.close();
      throw err;
    });
    return new Journal(handle, file, cut);
  }

  /** One line, written whole or failed. A full disk here stops the folder; the message itself is
   *  already complete and kept. A line cut short by a failed write is ended by the next record. */
  record(entry: JournalEntry | JournalSkip, context: ErrorContext): Promise<void> {
    const done = this.queue.then(async () => {
      const line = `${this.cut ? '\n' : ''}${JSON.stringify(entry)}\n`;
      this.cut = true;
      await fsCall(() => writeAll(this.handle, Buffer.from(line)), 'write', this.file, context);
      this.cut = false;
    });
    this.queue = done.catch(() => undefined);
    return done;
  }
  async sync(context: ErrorContext): Promise<void> {
    await fsCall(() => this.handle.sync(), 'fsync', this.file, context);
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
