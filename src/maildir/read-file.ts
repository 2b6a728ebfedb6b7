import fs from 'node:fs/promises';
import { FolderError, fsCall, type ErrorContext } from '../errors.js';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/** What an open's error says is in a file's place: ELOOP is O_NOFOLLOW meeting a symlink, ENXIO a
 *  FIFO opened for writing with no reader, EISDIR a directory opened for writing. */
const NOT_A_FILE: Readonly<Record<string, string>> = {
  ELOOP: 'a symlink',
  ENXIO: 'a FIFO or device',
  EISDIR: 'a directory',
};

/**
 * Opens a small file of ours in the Maildir (journal, lock, maildirsize, subscriptions) the way the
 * mailbox owner cannot subvert: O_NOFOLLOW refuses a planted symlink, O_NONBLOCK keeps a planted
 * FIFO from hanging the open (a blocked open holds a batch slot forever), and what was opened
 * must be a regular file with one name (a hard link would have us write into a file outside the
 * Maildir). O_NONBLOCK changes nothing for a regular file. Undefined when the file does not exist
 * and `flags` does not create it.
 */
export async function openOwnFile(
  file: string,
  flags: number,
  context: ErrorContext,
  mode = 0o600,
): Promise<fs.FileHandle | undefined> {
  const open = () =>
    fs.open(file, flags | O_NOFOLLOW | O_NONBLOCK, mode).catch((err: NodeJS.ErrnoException) => {
      const what = NOT_A_FILE[err.code ?? ''];
      if (what)
        throw new FolderError(`${file} is ${what}, not a regular file; refusing it`, { ...context, cause: err });
      throw err;
    });
  for (;;) {
    const handle = await fsCall(open, 'open', file, context, { expected: { ENOENT: undefined } });
    if (!handle) return undefined;
    const check = async () => {
      const st = await handle.stat();
      if (!st.isFile()) throw new FolderError(`${file} is not a regular file; refusing it`, context);
      // No name left: removed since our open (a run releasing its lock); the name is opened again.
      if (st.nlink === 0) return false;
      if (st.nlink !== 1)
        throw new FolderError(`${file} has ${st.nlink} hard links; refusing a file shared with another place`, context);
      return true;
    };
    const named = await fsCall(check, 'fstat', file, context).catch(async (err) => {
      await handle.close();
      throw err;
    });
    if (named) return handle;
    await handle.close();
  }
}

/** A small file of ours in the Maildir, read through openOwnFile; "" when it does not exist yet. */
export async function readOwnFile(file: string, context: ErrorContext): Promise<string> {
  const handle = await openOwnFile(file, O_RDONLY, context);
  if (!handle) return '';
  return fsCall(() => handle.readFile('utf8'), 'read', file, context).finally(() => handle.close());
}

/**
 * Writes all of BUF at the file's end (O_APPEND) or fails: write() may write less than asked (a
 * full disk, RLIMIT_FSIZE) and say so only by its count, so the rest is written until done; an
 * error after a partial write leaves a cut line, which the next writer's leading newline ends.
 */
export async function writeAll(handle: fs.FileHandle, buf: Buffer): Promise<void> {
  for (let done = 0; done < buf.length;) {
    const { bytesWritten } = await handle.write(buf, done, buf.length - done);
    if (bytesWritten === 0) throw Object.assign(new Error('write wrote nothing'), { code: 'EIO' });
    done += bytesWritten;
  }
}

/** Whether the file's last byte is a newline (true for an empty file): an append must not join a cut line. */
export async function endsWithNewline(handle: fs.FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}
