import fs from 'node:fs/promises';
import path from 'node:path';
import { FolderError, fsCall, syscallText, type ErrorContext } from '../errors.js';
import { MAX_JOURNAL_LINE_BYTES } from '../limits.js';
import { endsWithNewline, openOwnFile, writeAll } from '../maildir/read-file.js';
import type { JournalEntry, JournalSkip, StoredFile } from '../journal-records.js';

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

/** `hashes: false`: the records without their sha256, which verify never asks for (64 bytes of
 *  text a record it need not hold). */
export async function readJournal(
  maildir: string,
  context: ErrorContext,
  { hashes = true }: { hashes?: boolean } = {},
): Promise<JournalContents> {
  const file = path.join(maildir, JOURNAL_FILE);
  const entries: JournalEntry[] = [];
  const skips: JournalSkip[] = [];
  // One journal holds a record per message written (100,000 for a large INBOX), all held while a
  // run plans or verifies: the folder and UIDVALIDITY every line repeats are kept once, not once per record.
  const strings = new Map<string, string>();
  const shared = (s: string) => strings.get(s) ?? (strings.set(s, s), s);
  let lineNo = 0;
  const take = (text: string | undefined, ended: boolean) => {
    lineNo += 1;
    const warn = (why: string) =>
      process.stderr.write(`qmail-import: WARNING: ${file} line ${lineNo} ${why}; skipped\n`);
    if (text === undefined) warn(`is longer than ${MAX_JOURNAL_LINE_BYTES} bytes`);
    if (!text) return;
    const entry = parseEntry(text, shared, hashes);
    if (entry && 'skipped' in entry) skips.push(entry);
    else if (entry) entries.push(entry);
    // The last line may be cut short by a crash or a full disk: skipped quietly. Any other bad line
    // (a cut one a later run ended, a `null`, an edit) is skipped with a warning; it fails no run.
    else if (ended) warn('is not a journal entry');
  };
  const handle = await openOwnFile(file, fs.constants.O_RDONLY, context);
  if (!handle) return { entries, skips };
  // Streamed: a journal of 100,000 messages is tens of MB; read whole, it and its lines would sit
  // in memory beside the entries parsed from them.
  const lines = lineSplitter(take);
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false, highWaterMark: 1 << 20 }))
      lines.push(chunk as Buffer);
    lines.end();
  } catch (err) {
    throw new FolderError(syscallText('read', file, err), { ...context, cause: err });
  } finally {
    await handle.close();
  }
  return { entries, skips };
}

/**
 * Splits chunks into lines, each byte looked at once: time in proportion to the file's size
 * whatever its lines' lengths, and memory for one line up to the cap (the owner can write this
 * file; one endless line must neither stall a run nor fill memory). A longer line is dropped as
 * it comes (`take` gets undefined), and the line after it is read as usual. A line within one
 * chunk is decoded from it directly, without a copy.
 */
function lineSplitter(take: (text: string | undefined, ended: boolean) => void) {
  let parts: Buffer[] = [];
  let bytes = 0;
  const keep = (piece: Buffer) => {
    bytes += piece.length;
    if (bytes <= MAX_JOURNAL_LINE_BYTES) parts.push(piece);
    else parts = [];
  };
  const flush = (ended: boolean) => {
    take(bytes <= MAX_JOURNAL_LINE_BYTES ? Buffer.concat(parts, bytes).toString('utf8') : undefined, ended);
    parts = [];
    bytes = 0;
  };
  return {
    push(chunk: Buffer) {
      let start = 0;
      // A newline byte is never part of a longer UTF-8 sequence: bytes can be split there.
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        if (bytes === 0 && nl - start <= MAX_JOURNAL_LINE_BYTES) take(chunk.toString('utf8', start, nl), true);
        else {
          keep(chunk.subarray(start, nl));
          flush(true);
        }
        start = nl + 1;
      }
      if (start < chunk.length) keep(chunk.subarray(start));
    },
    end() {
      if (bytes > 0) flush(false);
    },
  };
}

/**
 * One journal line as a record, or undefined when it is not one (cut short, `null`, edited).
 * Every shape this project wrote is read (docs/journal.md); one that says which message was
 * written is kept even when it lacks a field a later version added, since dropping it would bring
 * a message deleted here back. A numeric UIDVALIDITY is read as its decimal text. A record is
 * built with one shape and only its known fields, its repeated strings through `shared`.
 */
function parseEntry(
  line: string,
  shared: (s: string) => string,
  hashes: boolean,
): JournalEntry | JournalSkip | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  const uidValidity =
    typeof e.uidValidity === 'string' || (Number.isSafeInteger(e.uidValidity) && (e.uidValidity as number) >= 0)
      ? String(e.uidValidity)
      : undefined;
  const source =
    typeof e.folder === 'string' &&
    uidValidity !== undefined &&
    (e.uid === undefined || Number.isSafeInteger(e.uid)) &&
    (e.uidl === undefined || typeof e.uidl === 'string') &&
    (e.uid !== undefined || e.uidl !== undefined);
  if (!source) return undefined;
  // One object literal per kind, every field written: a spread of shared fields gave each record
  // a hidden class of its own, more memory than the record (100,000 of them for a large INBOX).
  const folder = shared(e.folder as string);
  const uid = e.uid as number | undefined;
  const uidl = e.uidl as string | undefined;
  if (e.skipped === 'max-size')
    return Number.isSafeInteger(e.size) && Number.isSafeInteger(e.maxSize)
      ? {
          folder,
          uidValidity: shared(uidValidity),
          uid,
          uidl,
          size: e.size as number,
          skipped: 'max-size',
          maxSize: e.maxSize as number,
        }
      : undefined;
  if (typeof e.name !== 'string' || (e.sha256 !== undefined && typeof e.sha256 !== 'string')) return undefined;
  // A `stored` that is not three whole numbers is dropped: verify then reads the file.
  return {
    folder,
    uidValidity: shared(uidValidity),
    uid,
    uidl,
    name: e.name,
    sha256: hashes ? (e.sha256 as string | undefined) : undefined,
    size: Number.isSafeInteger(e.size) ? (e.size as number) : undefined,
    stored: isStoredFile(e.stored)
      ? { bytes: e.stored.bytes, lines: e.stored.lines, mtimeSec: e.stored.mtimeSec }
      : undefined,
  };
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
