import fs from 'node:fs/promises';
import path from 'node:path';
import { FolderError, syscallText, type ErrorContext } from '../errors.js';
import { openOwnFile } from './read-file.js';

export const MAILDIR_SUBDIRS = ['tmp', 'new', 'cur'] as const;

/**
 * Makes sure DIR is a Maildir (tmp/, new/, cur/), creating what is missing with mode 0700, and
 * refuses any part of it that is a symlink or not a directory: a link planted there could send
 * our writes elsewhere. Runs as the mailbox owner, so files and dirs are born with the right owner.
 */
export async function ensureMaildir(dir: string, context: ErrorContext): Promise<void> {
  await ensureRealDir(dir, context);
  for (const sub of MAILDIR_SUBDIRS) await ensureRealDir(path.join(dir, sub), context);
}

async function ensureRealDir(dir: string, context: ErrorContext): Promise<void> {
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new FolderError(syscallText('mkdir', dir, err), { ...context, cause: err });
  }
  let st;
  try {
    st = await fs.lstat(dir);
  } catch (err) {
    throw new FolderError(syscallText('lstat', dir, err), { ...context, cause: err });
  }
  if (st.isSymbolicLink()) throw new FolderError(`${dir} is a symlink; refusing to follow it`, context);
  if (!st.isDirectory()) throw new FolderError(`${dir} is not a directory`, context);
}

/** Makes the names linked into DIR durable. */
export async function fsyncDir(dir: string, context: ErrorContext): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
    await handle.sync();
  } catch (err) {
    throw new FolderError(syscallText('fsync', dir, err), { ...context, cause: err });
  } finally {
    await handle?.close();
  }
}

/** The empty `maildirfolder` file Maildir++ readers (Courier's deliverquota, Dovecot) expect in a
 *  subfolder; opened like our other small files, so a FIFO planted there cannot hang the run. */
export async function markAsFolder(dir: string, context: ErrorContext): Promise<void> {
  const marker = path.join(dir, 'maildirfolder');
  await (await openOwnFile(marker, fs.constants.O_WRONLY | fs.constants.O_CREAT, context))?.close();
}
