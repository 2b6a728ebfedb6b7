import fs from 'node:fs/promises';
import os from 'node:os';
import { FolderError, fsCall, type ErrorContext } from '../errors.js';
import { IMAP_SERVER_LOCK_STALE_SEC, IMAP_SERVER_LOCK_WAIT_MS } from '../limits.js';

const POLL_MS = 200;

/**
 * Runs `work` holding an IMAP server's dotlock: the lock file created exclusively (what Dovecot's
 * file_dotlock_create and Courier's ll_dotlock do with link()), holding "pid:host" as Dovecot's
 * do. A lock older than IMAP_SERVER_LOCK_STALE_SEC is stale and overridden, as both servers do;
 * a live one is waited for, up to IMAP_SERVER_LOCK_WAIT_MS.
 */
export async function withDotlock<T>(lockFile: string, work: () => Promise<T>, context: ErrorContext): Promise<T> {
  const deadline = Date.now() + IMAP_SERVER_LOCK_WAIT_MS;
  for (;;) {
    const created = await fsCall(() => createLock(lockFile).then(() => true), 'create', lockFile, context, {
      expected: { EEXIST: false },
    });
    if (created) break;
    const st = await fs.lstat(lockFile).catch(() => undefined);
    if ((st && Date.now() - st.mtimeMs > IMAP_SERVER_LOCK_STALE_SEC * 1000) || (await holderIsGone(lockFile))) {
      await fs.unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline)
      throw new FolderError(`${lockFile} is held by the IMAP server; try again when it is done`, context);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await work();
  } finally {
    await fs.unlink(lockFile).catch(() => undefined);
  }
}

/** The lock file, made with O_EXCL: EEXIST says someone holds it. */
async function createLock(lockFile: string): Promise<void> {
  const handle = await fs.open(
    lockFile,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
    0o600,
  );
  await handle.writeFile(`${process.pid}:${os.hostname()}`).finally(() => handle.close());
}

/**
 * A lock naming a process of this host that no longer runs (or is a zombie: a killed run nobody
 * reaped) holds nothing: both servers override such a lock at once, and so do we; otherwise a
 * re-run after a kill would wait out the stale age.
 */
async function holderIsGone(lockFile: string): Promise<boolean> {
  const text = await fs
    .readFile(lockFile, {
      encoding: 'utf8',
      flag: fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
    })
    .catch(() => '');
  const [pid, host] = text.trim().split(':');
  if (host !== os.hostname() || !/^\d+$/.test(pid ?? '')) return false;
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined || /^\d+ \(.*\) Z /s.test(stat);
}
