import fs from 'node:fs/promises';
import path from 'node:path';
import { FolderError, syscallText, type ErrorContext } from '../errors.js';
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
  try {
    await fs.lstat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw maildirError('stat', dir, err, context);
    throw new FolderError(`Maildir ${dir} does not exist; check the path, or pass --create to make it`, context);
  }
}

async function ensureRealDir(dir: string, context: ErrorContext): Promise<void> {
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw maildirError('mkdir', dir, err, context);
  }
  const st = await fs.lstat(dir).catch((err: unknown) => {
    throw maildirError('stat', dir, err, context);
  });
  if (st.isSymbolicLink())
    throw new FolderError(
      `${dir} is a symlink; refusing to follow it (if the Maildir path itself is a link you trust, pass --allow-symlinked-maildir; links inside a Maildir are always refused)`,
      context,
    );
  if (!st.isDirectory()) throw new FolderError(`${dir} is not a directory`, context);
}

/** A failed system call on the Maildir, with what to do where the cause is a permission. */
function maildirError(verb: string, dir: string, err: unknown, context: ErrorContext): FolderError {
  const code = (err as NodeJS.ErrnoException).code;
  const hint =
    code === 'EACCES' || code === 'EPERM'
      ? `; the import runs as uid ${process.getuid?.()}, who may not write there: run it as root (it then writes as the Maildir's owner) or as that owner`
      : '';
  return new FolderError(`${syscallText(verb, dir, err)}${hint}`, { ...context, cause: err });
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
