import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FolderError, syscallText, type ErrorContext } from '../errors.js';
import { MAILDIR_SUBDIRS } from './layout.js';
import { TMP_MARKER } from './unique-name.js';

const LOCK_FILE = 'qmail-import.lock';

/**
 * One import per Maildir at a time. The lock is a file in the Maildir root (IMAP servers only take
 * dot-directories for folders) holding "host pid start-time"; a lock whose process is gone on this
 * host is stale and taken over, so a killed run never leaves the Maildir locked. Returns the release.
 */
export async function lockMaildir(maildir: string, context: ErrorContext): Promise<() => Promise<void>> {
  const file = path.join(maildir, LOCK_FILE);
  const mine = `${os.hostname()} ${process.pid} ${startTicks(process.pid) ?? ''}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(
        file,
        fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
        0o600,
      );
      await handle.writeFile(mine);
      await handle.close();
      return async () => {
        await fs.unlink(file).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new FolderError(syscallText('create', file, err), { ...context, cause: err });
    }
    const holder = await fs.readFile(file, 'utf8').catch(() => '');
    if (isAlive(holder))
      throw new FolderError(
        `another qmail-import (${holder.trim() || 'unknown'}) is working on ${maildir}; try again when it is done`,
        context,
      );
    // Stale: its process is gone. Remove it only if it is still the same stale lock.
    if ((await fs.readFile(file, 'utf8').catch(() => '')) === holder) await fs.unlink(file).catch(() => undefined);
  }
  throw new FolderError(`cannot take the lock ${file}`, context);
}

/**
 * Whether the lock's holder still runs. An empty lock is a run killed between creating and writing
 * it. Another host's lock (shared storage) cannot be checked and counts as held. The process start
 * time tells a reused pid from the holder.
 */
function isAlive(holder: string): boolean {
  const [host, pid, started] = holder.trim().split(' ');
  if (!host || !pid || !/^\d+$/.test(pid)) return false;
  if (host !== os.hostname()) return true;
  const now = startTicks(Number(pid));
  return now !== undefined && (started === undefined || started === '' || now === started);
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
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
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new FolderError(syscallText('unlink', path.join(tmp, name), err), { ...context, cause: err });
    }
  }
  return removed;
}
