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
 * without --strict. The INBOX is read once `pop3Ended` has settled: a server that stores it in
 * an mbox locks the file for a POP3 session, and an IMAP read that needs to write into it
 * (UIDs for new mail) waits for that lock or is refused (docs/write-path.md).
 */
export async function readSourceFolders(
  imap: ImapFlow,
  folders: readonly SourceFolder[],
  exact: boolean,
  context: ErrorContext,
  pop3Ended: Promise<unknown>,
): Promise<SourceFolderRead[]> {
  const isInbox = (f: SourceFolder) => f.path.toUpperCase() === 'INBOX';
  const reads = new Map<SourceFolder, SourceFolderRead>();
  for (const folder of folders.filter((f) => !isInbox(f)))
    reads.set(folder, await readOne(imap, folder, exact, context));
  const inbox = folders.filter(isInbox);
  if (inbox.length > 0) await pop3Ended.catch(() => undefined);
  for (const folder of inbox) reads.set(folder, await readOne(imap, folder, exact, context));
  return folders.map((f) => reads.get(f) as SourceFolderRead);
}

async function readOne(
  imap: ImapFlow,
  folder: SourceFolder,
  exact: boolean,
  context: ErrorContext,
): Promise<SourceFolderRead> {
  const where = { ...context, folder: folder.path };
  const read = await (
    exact ? readFolderSnapshot(imap, folder, where) : readFolderFlags(imap, folder, MAILDIR_FLAGS, where)
  ).catch((err: unknown) => {
    if (!(err instanceof FolderError)) throw err;
    return err;
  });
  return { folder, read };
}
