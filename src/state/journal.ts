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

/** When the import last wrote a message into this Maildir: the journal's mtime, in whole seconds
 *  (every message written appends a line); undefined when nothing was ever imported here. */
export async function lastWrittenSec(maildir: string, context: ErrorContext): Promise<number | undefined> {
  const file = path.join(maildir, JOURNAL_FILE);
  try {
    return Math.floor((await fs.lstat(file)).mtimeMs / 1000);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FolderError(syscallText('stat', file, err), { ...context, cause: err });
  }
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

/** What the journal says about one folder now: its last UIDVALIDITY and the files we wrote there. */
export function journalOf(
  entries: readonly JournalEntry[],
  folder: string,
): { uidValidity?: string; byName: Map<string, JournalEntry> } {
  const mine = entries.filter((e) => e.folder === folder);
  return { uidValidity: mine[mine.length - 1]?.uidValidity, byName: new Map(mine.map((e) => [e.name, e])) };
}

/** What the journal implies for one folder in this run. */
export interface FolderHistory {
  /** The UIDVALIDITY the folder had when we last wrote to it, when that differs from now. */
  uidValidityChangedFrom?: string;
  /** Files we wrote earlier that this run's plan no longer names, by content: a renumbered
   *  message reuses its file; what is left at the end is gone from the source. */
  earlier: Map<string, { dir: 'new' | 'cur'; file: string }>;
  /** Messages we wrote before (same UIDVALIDITY) whose file is gone: deleted on this side, not to be brought back. */
  deletedHere: Set<string>;
}

/** The key a message has in deletedHere: its UID, or its UIDL when it came over POP3 alone. */
export function historyKey(m: { uid?: number; uidl?: string }): string {
  return m.uid !== undefined ? `uid ${m.uid}` : `uidl ${m.uidl}`;
}

export function folderHistory(
  entries: readonly JournalEntry[],
  folder: string,
  uidValidity: string,
  existing: ReadonlyMap<string, { dir: 'new' | 'cur'; file: string }>,
  plannedNames: ReadonlySet<string>,
): FolderHistory {
  const mine = entries.filter((e) => e.folder === folder);
  const last = mine[mine.length - 1]?.uidValidity;
  const earlier = new Map<string, { dir: 'new' | 'cur'; file: string }>();
  const deletedHere = new Set<string>();
  for (const e of mine) {
    const file = existing.get(e.name);
    if (file && !plannedNames.has(e.name)) earlier.set(e.sha256, file);
    if (!file && e.uidValidity === uidValidity) deletedHere.add(historyKey(e));
  }
  return {
    ...(last !== undefined && last !== uidValidity ? { uidValidityChangedFrom: last } : {}),
    earlier,
    deletedHere,
  };
}
