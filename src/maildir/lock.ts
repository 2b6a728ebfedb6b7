import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FolderError, syscallText, type ErrorContext } from '../errors.js';
import { MAILDIR_SUBDIRS } from './layout.js';
import { TMP_MARKER } from './unique-name.js';

export const LOCK_FILE = 'qmail-import.lock';

/**
 * One import per Maildir at a time. The lock is a file in the Maildir root (IMAP servers only take
 * dot-directories for folders) holding "host pid"; a lock whose process is gone on this host is
 * stale and taken over, so a killed run never leaves the Maildir locked. Returns the release.
 */
export async function lockMaildir(maildir: string, context: ErrorContext): Promise<() => Promise<void>> {
  const file = path.join(maildir, LOCK_FILE);
  const mine = `${os.hostname()} ${process.pid}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
      await handle.writeFile(mine);
      await handle.close();
      return async () => {
        await fs.unlink(file).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new FolderError(syscallText('create', file, err), { ...context, cause: err });
    }
    const holder = await fs.readFile(file, 'utf8').catch(() => '');
    if (isAlive(holder)) throw new FolderError(`another qmail-import (${holder.trim() || 'unknown'}) is working on ${maildir}; try again when it is done`, context);
    // Stale: its process is gone. Remove it only if it is still the same stale lock.
    if ((await fs.readFile(file, 'utf8').catch(() => '')) === holder) await fs.unlink(file).catch(() => undefined);
  }
  throw new FolderError(`cannot take the lock ${file}`, context);
}

/**
 * Whether the lock's holder still runs. An empty lock is a run killed between creating and writing
 * it. Another host's lock (shared storage) cannot be checked and counts as held. A pid now used
 * by something other than node is a reused pid: stale.
 */
function isAlive(holder: string): boolean {
  const [host, pid] = holder.trim().split(' ');
  if (!host || !pid || !/^\d+$/.test(pid)) return false;
  if (host !== os.hostname()) return true;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node';
  } catch {
    return false;
  }
}

/**
 * Removes what a killed earlier run left in tmp/ (our marked files only; qmail's and other
 * programs' tmp files are theirs). Only safe while holding the lock.
 */
export async function clearOurTmp(maildir: string, context: ErrorContext): Promise<number> {
  const tmp = path.join(maildir, MAILDIR_SUBDIRS[0]);
  let removed = 0;
  for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
    if (!name.includes(TMP_MARKER)) continue;
    try {
      await fs.unlink(path.join(tmp, name));
      removed += 1;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new FolderError(syscallText('unlink', path.join(tmp, name), err), { ...context, cause: err });
    }
  }
  return removed;
}
