import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FolderError, fsCall, type ErrorContext } from '../errors.js';
import { MAILDIR_SUBDIRS } from './layout.js';
import { openOwnFile, writeAll } from './read-file.js';
import { TMP_MARKER } from './unique-name.js';

const LOCK_FILE = 'qmail-import.lock';
const { O_RDONLY, O_RDWR, O_CREAT } = fs.constants;

/** What of the lock file is shown as its holder: "host pid start-time" is far shorter. */
const HOLDER_MAX_BYTES = 256;

/**
 * One import per Maildir at a time. The lock is flock(2) on `qmail-import.lock` in the Maildir
 * root (IMAP servers only take dot-directories there for folders), a file the mailbox owner makes
 * and opens (0600, no link followed, no FIFO opened, one name: src/maildir/read-file.ts), so no
 * other user can open it, let alone lock it. Of two runs exactly one gets it, and the kernel
 * drops it with the last descriptor of the open file, so a run killed with -9, or left a zombie,
 * holds nothing. Node has no flock(): util-linux's `flock` takes it on our descriptor, handed to
 * it as its fd 3, and exits; the lock belongs to the open file, which this process keeps open
 * (docs/write-path.md). While held, the file says "host pid start-time" for the admin to read;
 * the release removes it before letting go. Returns the release.
 */
export async function lockMaildir(maildir: string, context: ErrorContext): Promise<() => Promise<void>> {
  const file = path.join(maildir, LOCK_FILE);
  for (;;) {
    const handle = (await openLockFile(file, O_RDWR | O_CREAT, context)) as fs.FileHandle;
    const held = await takeLock(handle, file, maildir, context).catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    if (held)
      return async () => {
        await fs.unlink(file).catch(() => undefined);
        await handle.close();
      };
    await handle.close();
  }
}

/**
 * Who holds the Maildir's lock, when an import does: verify counts nothing then (the import's
 * files are still coming). It takes a shared lock for an instant, and no lock for the run: verify
 * changes nothing in the Maildir, so it makes no lock file either.
 */
export async function importHolding(maildir: string, context: ErrorContext): Promise<string | undefined> {
  const file = path.join(maildir, LOCK_FILE);
  const handle = await openLockFile(file, O_RDONLY, context);
  if (!handle) return undefined;
  try {
    return (await flock(handle, '-s', file, context)) ? undefined : await holderOf(handle);
  } finally {
    await handle.close();
  }
}

/**
 * The lock on the open file, and its holder text written; false when the name no longer is this
 * file (the holder before removed it between our open and our lock: the lock is on a file no one
 * else will open, so the caller opens the name again).
 */
async function takeLock(handle: fs.FileHandle, file: string, maildir: string, context: ErrorContext): Promise<boolean> {
  if (!(await flock(handle, '-x', file, context)))
    throw new FolderError(
      `another qmail-import (${await holderOf(handle)}) is working on ${maildir}; try again when it is done`,
      context,
    );
  const [mine, named] = await Promise.all([handle.stat(), fs.lstat(file).catch(() => undefined)]);
  if (named?.dev !== mine.dev || named.ino !== mine.ino) return false;
  const holder = `${os.hostname()} ${process.pid} ${startTicks(process.pid) ?? ''}\n`;
  await fsCall(() => handle.truncate(0).then(() => writeAll(handle, Buffer.from(holder))), 'write', file, context);
  return true;
}

/** The lock file; anything else under its name (a directory, FIFO, symlink, second name) is refused, named. */
async function openLockFile(file: string, flags: number, context: ErrorContext): Promise<fs.FileHandle | undefined> {
  return openOwnFile(file, flags, context).catch((err: unknown) => {
    if (!(err instanceof FolderError)) throw err;
    throw new FolderError(`${err.detail} (remove it: qmail-import makes its own lock file)`, {
      ...context,
      cause: err.cause ?? err,
    });
  });
}

/**
 * flock(2) of MODE (-x exclusive, -s shared) on the open file, not waiting: false when another
 * holds it (flock's exit 1 for -n; its own failures use sysexits codes from 64 up).
 */
function flock(handle: fs.FileHandle, mode: '-x' | '-s', file: string, context: ErrorContext): Promise<boolean> {
  const run = () =>
    new Promise<boolean>((resolve, reject) => {
      const child = spawn('flock', ['-n', mode, '3'], { stdio: ['ignore', 'ignore', 'pipe', handle.fd] });
      let said = '';
      child.stderr?.on('data', (d: Buffer) => (said = `${said}${d}`.slice(0, HOLDER_MAX_BYTES)));
      child.once('error', reject);
      child.once('close', (code) =>
        code === 0 || code === 1 ? resolve(code === 0) : reject(new Error(`flock exited ${code}: ${said.trim()}`)),
      );
    });
  return fsCall(run, 'flock', file, context, {
    hint: (code) => (code === 'ENOENT' ? ' (the flock command, from util-linux, is not installed)' : ''),
  });
}

/** The holder text the lock file holds, printable and short (the owner can write anything there). */
async function holderOf(handle: fs.FileHandle): Promise<string> {
  const buf = Buffer.alloc(HOLDER_MAX_BYTES);
  const { bytesRead } = await handle.read(buf, 0, buf.length, 0).catch(() => ({ bytesRead: 0 }));
  return (
    buf
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/[^\x20-\x7e]/g, '?')
      .trim() || 'unknown'
  );
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
