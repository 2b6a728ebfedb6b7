import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FolderError, fsCall, type ErrorContext } from '../errors.js';
import { MAILDIR_SUBDIRS } from './layout.js';
import { readOwnFile } from './read-file.js';
import { TMP_MARKER, tmpName } from './unique-name.js';

const LOCK_FILE = 'qmail-import.lock';

/**
 * One import per Maildir at a time. The lock itself is a Unix socket in Linux's abstract
 * namespace, named by the Maildir's device and inode and bound by the process that writes: bind()
 * is atomic (of two runs started together exactly one gets it), and the kernel drops it with the
 * process's last file descriptor, so a run killed with -9, or left a zombie nobody reaps, holds
 * nothing. Node has no flock() or fcntl() locks without a native addon; an abstract socket needs
 * none and leaves nothing on disk to go stale. The file `qmail-import.lock` in the Maildir root
 * (IMAP servers only take dot-directories there for folders) holds "host pid start-time" for the
 * admin to read: information only, never what decides. Returns the release.
 */
export async function lockMaildir(maildir: string, context: ErrorContext): Promise<() => Promise<void>> {
  const file = path.join(maildir, LOCK_FILE);
  const dir = await fsCall(() => fs.stat(maildir), 'stat', maildir, context);
  const server = net.createServer();
  const listen = () =>
    new Promise<boolean>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: `\0qmail-import/${dir.dev}/${dir.ino}` }, () => resolve(true));
    });
  const bound = await fsCall(listen, 'bind', `lock socket of ${maildir}`, context, { expected: { EADDRINUSE: false } });
  if (!bound) {
    const holder = (await readOwnFile(file, context).catch(() => '')).trim() || 'unknown';
    throw new FolderError(
      `another qmail-import (${holder}) is working on ${maildir}; try again when it is done`,
      context,
    );
  }
  // Ours until this process ends; it must not keep the process alive by itself.
  server.unref();
  await fsCall(() => writeLockInfo(maildir, file), 'write', file, context).catch((err) => {
    server.close();
    throw err;
  });
  return async () => {
    await fs.unlink(file).catch(() => undefined);
    server.close();
  };
}

/**
 * Writes the lock's information file through tmp/ and rename(): rename replaces whatever was
 * planted there (a symlink, a FIFO, a hard link to a file elsewhere) without writing through it.
 */
async function writeLockInfo(maildir: string, file: string): Promise<void> {
  const tmp = path.join(maildir, MAILDIR_SUBDIRS[0], tmpName(os.hostname()));
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  try {
    const handle = await fs.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(`${os.hostname()} ${process.pid} ${startTicks(process.pid) ?? ''}\n`);
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot (tells a reused pid apart). */
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
    const file = path.join(tmp, name);
    const unlinked = await fsCall(() => fs.unlink(file).then(() => true), 'unlink', file, context, {
      expected: { ENOENT: false },
    });
    if (unlinked) removed += 1;
  }
  return removed;
}
