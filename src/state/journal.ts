import fs from 'node:fs/promises';
import path from 'node:path';
import { fsCall, type ErrorContext } from '../errors.js';
import { endsWithNewline, openOwnFile, readOwnFile, writeAll } from '../maildir/read-file.js';

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
}

/**
 * The import journal: one JSON line per message written, appended after the message is synced
 * and linked, in a plain file in the Maildir root (IMAP servers take only dot-directories there
 * for folders). Re-runs do not need it to skip what is there (file names are stable); it is what
 * tells a changed UIDVALIDITY, a message deleted on the source, and the content of what we wrote.
 */
const JOURNAL_FILE = 'qmail-import.journal';

export async function readJournal(maildir: string, context: ErrorContext): Promise<JournalEntry[]> {
  const file = path.join(maildir, JOURNAL_FILE);
  const lines = (await readOwnFile(file, context)).split('\n');
  const entries: JournalEntry[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    const entry = parseEntry(line);
    if (entry) entries.push(entry);
    // The last line may be cut short by a crash or a full disk: skipped quietly. Any other bad line
    // (a cut one a later run ended, a `null`, an edit) is skipped with a warning; it fails no run.
    else if (i !== lines.length - 1)
      process.stderr.write(`qmail-import: WARNING: ${file} line ${i + 1} is not a journal entry; skipped\n`);
  });
  return entries;
}

/** One journal line as an entry, or undefined when it is not one (cut short, `null`, edited). */
function parseEntry(line: string): JournalEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  const ok =
    typeof e.folder === 'string' &&
    typeof e.uidValidity === 'string' &&
    typeof e.name === 'string' &&
    typeof e.sha256 === 'string' &&
    (e.uid === undefined || Number.isSafeInteger(e.uid)) &&
    (e.uidl === undefined || typeof e.uidl === 'string') &&
    (e.uid !== undefined || e.uidl !== undefined);
  return ok ? (e as unknown as JournalEntry) : undefined;
}

/** When the import last wrote a message into this Maildir: the journal's mtime, in whole seconds
 *  (every message written appends a line); undefined when nothing was ever imported here. */
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
  record(entry: JournalEntry, context: ErrorContext): Promise<void> {
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
