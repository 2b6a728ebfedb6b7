import fs from 'node:fs/promises';
import path from 'node:path';
import { FolderError, fsCall, type ErrorContext } from '../errors.js';
import { openOwnFile } from './read-file.js';

export const MAILDIR_SUBDIRS = ['tmp', 'new', 'cur'] as const;

/**
 * Makes sure DIR is a Maildir (tmp/, new/, cur/), creating what is missing with mode 0700, and
 * refuses any part of it that is a symlink or not a directory: a link planted there could send
 * our writes elsewhere. Runs as the mailbox owner, so files and dirs are born with the right owner.
 * Without `create`, DIR itself must exist: a typo'd path whose parent exists would otherwise
 * become a second Maildir that nobody reads.
 */
export async function ensureMaildir(dir: string, context: ErrorContext, create = true): Promise<void> {
  if (!create) await requireMaildir(dir, context);
  await ensureRealDir(dir, context);
  for (const sub of MAILDIR_SUBDIRS) await ensureRealDir(path.join(dir, sub), context);
}

/** A Maildir that is not there is the account's error, never silently created (see ensureMaildir). */
export async function requireMaildir(dir: string, context: ErrorContext): Promise<void> {
  const st = await fsCall(() => fs.lstat(dir), 'stat', dir, context, {
    expected: { ENOENT: undefined },
    hint: permissionHint,
  });
  if (!st) throw new FolderError(`Maildir ${dir} does not exist; check the path, or pass --create to make it`, context);
}

async function ensureRealDir(dir: string, context: ErrorContext): Promise<void> {
  await fsCall(() => fs.mkdir(dir, { mode: 0o700 }), 'mkdir', dir, context, {
    expected: { EEXIST: undefined },
    hint: permissionHint,
  });
  const st = await fsCall(() => fs.lstat(dir), 'stat', dir, context, { hint: permissionHint });
  if (st.isSymbolicLink())
    throw new FolderError(
      `${dir} is a symlink; refusing to follow it (if the Maildir path itself is a link you trust, pass --allow-symlinked-maildir; links inside a Maildir are always refused)`,
      context,
    );
  if (!st.isDirectory()) throw new FolderError(`${dir} is not a directory`, context);
}

/** What to do when the Maildir refuses us for a permission. */
function permissionHint(code: string | undefined): string {
  return code === 'EACCES' || code === 'EPERM'
    ? `; the import runs as uid ${process.getuid?.()}, who may not write there: run it as root (it then writes as the Maildir's owner) or as that owner`
    : '';
}

/** Makes the names linked into DIR durable. */
export async function fsyncDir(dir: string, context: ErrorContext): Promise<void> {
  const sync = async () => {
    const handle = await fs.open(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
    await handle.sync().finally(() => handle.close());
  };
  await fsCall(sync, 'fsync', dir, context);
}

/** The empty `maildirfolder` file Maildir++ readers (Courier's deliverquota, Dovecot) expect in a
 *  subfolder; opened like our other small files, so a FIFO planted there cannot hang the run. */
export async function markAsFolder(dir: string, context: ErrorContext): Promise<void> {
  const marker = path.join(dir, 'maildirfolder');
  await (await openOwnFile(marker, fs.constants.O_WRONLY | fs.constants.O_CREAT, context))?.close();
}
