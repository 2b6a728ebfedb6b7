import fs from 'node:fs/promises';
import path from 'node:path';
import { FolderError, syscallText, type ErrorContext } from '../errors.js';
import { readOwnFile } from '../maildir/read-file.js';

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
  const text = await readOwnFile(path.join(maildir, JOURNAL_FILE), context);
  // A line cut short by a crash while appending is the only malformed line there can be: skip it.
  return text.split('\n').flatMap((line) => {
    try {
      return line ? [JSON.parse(line) as JournalEntry] : [];
    } catch {
      return [];
    }
  });
}

export class Journal {
  private constructor(
    private readonly handle: fs.FileHandle,
    private readonly file: string,
  ) {}

  static async open(maildir: string, context: ErrorContext): Promise<Journal> {
    const file = path.join(maildir, JOURNAL_FILE);
    try {
      return new Journal(
        await fs.open(
          file,
          fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW,
          0o600,
        ),
        file,
      );
    } catch (err) {
      throw new FolderError(syscallText('open', file, err), { ...context, cause: err });
    }
  }

  /** One line, one write() in append mode: lines of concurrent writers never interleave. A full
   *  disk here stops the folder; the message itself is already complete and kept. */
  async record(entry: JournalEntry, context: ErrorContext): Promise<void> {
    await this.handle.write(`${JSON.stringify(entry)}\n`).catch((err: unknown) => {
      throw new FolderError(syscallText('write', this.file, err), { ...context, cause: err });
    });
  }

  async sync(context: ErrorContext): Promise<void> {
    await this.handle.sync().catch((err: unknown) => {
      throw new FolderError(syscallText('fsync', this.file, err), { ...context, cause: err });
    });
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
