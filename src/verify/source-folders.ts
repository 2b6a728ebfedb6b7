import type { ImapFlow } from 'imapflow';
import { FolderError, type ErrorContext } from '../errors.js';
import { MAILDIR_FLAGS } from '../maildir/flags.js';
import { readFolderFlags, type FolderFlags } from '../source/imap-flag-search.js';
import { listFolders, readFolderSnapshot, type SourceFolder } from '../source/imap.js';

/** One selected source folder as verify read it, or the server's refusal to open or list it. */
export interface SourceFolderRead {
  folder: SourceFolder;
  read: FolderFlags | FolderError;
}

/** The source folders verify compares: every selectable one `wanted`, and INBOX always. */
export async function listSelectedFolders(
  imap: ImapFlow,
  wanted: (folder: SourceFolder) => boolean,
  context: ErrorContext,
): Promise<SourceFolder[]> {
  return (await listFolders(imap, context)).filter(
    (f) => f.selectable && (f.path.toUpperCase() === 'INBOX' || wanted(f)),
  );
}

/**
 * Reads each folder once, for both the folder check and the IMAP UID check. `exact` (--strict):
 * every flag and keyword of every message, with a FETCH; else the UIDs and the flags a Maildir
 * name holds, with SEARCHes (src/source/imap-flag-search.ts): all that the checks compare
 * without --strict.
 */
export async function readSourceFolders(
  imap: ImapFlow,
  folders: readonly SourceFolder[],
  exact: boolean,
  context: ErrorContext,
): Promise<SourceFolderRead[]> {
  const out: SourceFolderRead[] = [];
  for (const folder of folders) {
    const where = { ...context, folder: folder.path };
    const read = await (
      exact ? readFolderSnapshot(imap, folder, where) : readFolderFlags(imap, folder, MAILDIR_FLAGS, where)
    ).catch((err: unknown) => {
      if (!(err instanceof FolderError)) throw err;
      return err;
    });
    out.push({ folder, read });
  }
  return out;
}
