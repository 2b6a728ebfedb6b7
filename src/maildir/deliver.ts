import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FolderError, MessageError, syscallText, type ErrorContext } from '../errors.js';
import { CrlfToLf, countLf, crlfToLf } from './line-endings.js';
import { tmpName } from './unique-name.js';

/** A message body: whole, streamed, or produced line by line by a writer function (a message read over POP3). */
export type MessageSource = Buffer | Readable | ((write: (chunk: Buffer) => Promise<void>) => Promise<void>);

export interface Delivery {
  /** Target directory and file name, e.g. new/NAME or cur/NAME:2,S. */
  dir: 'new' | 'cur';
  file: string;
  mtimeSec: number;
  body: MessageSource;
  /**
   * An earlier copy of the same bytes under another name (the source renumbered the message):
   * given the content's SHA-256, the path of that file, which is then moved to the target instead
   * of linking a second copy.
   */
  sameContent?: (sha256: string) => string | undefined;
}

export interface Delivered {
  /** Stored (LF) size. */
  bytes: number;
  /** Line ends stored: with `bytes`, the size a POP3 server counts (CRLF). */
  lines: number;
  sha256: string;
  /** The target is an earlier copy, moved there (sameContent), not a new file. */
  moved: boolean;
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/**
 * Writes one message as qmail-local does (docs/write-path.md): exclusive create in tmp/, write with
 * LF line ends, fsync, set mtime, close, link() into new/ or cur/, unlink the tmp name. Only a
 * complete, synced file ever gets a visible name. The caller fsyncs new/ and cur/ once per batch.
 */
export async function deliver(maildir: string, d: Delivery, context: ErrorContext): Promise<Delivered> {
  const tmp = path.join(maildir, 'tmp', tmpName(os.hostname()));
  const target = path.join(maildir, d.dir, d.file);
  let step = 'open';
  let where = tmp;
  let created = false;
  let written = { bytes: 0, lines: 0, sha256: '' };
  try {
    const handle = await fs.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    created = true;
    try {
      step = 'write';
      written = await writeLf(handle, d.body);
      step = 'fsync';
      await handle.sync();
      // atime stays "now": qmail-pop3d unlinks tmp/ files whose atime is over 36 hours old.
      step = 'utime';
      await handle.utimes(new Date(), new Date(d.mtimeSec * 1000));
    } finally {
      // close() is checked too: on some file systems quota errors only show up here.
      await handle.close();
    }
    const earlier = d.sameContent?.(written.sha256);
    if (earlier) {
      // rename, then date it: the earlier copy takes the new name and the planned place in order.
      step = 'rename';
      where = `${earlier}, ${target}`;
      if (await renameUnlessGone(earlier, target)) {
        await fs.lutimes(target, new Date(), new Date(d.mtimeSec * 1000));
        return { ...written, moved: true };
      }
    }
    // link, not rename: EEXIST must stop us, not overwrite someone's message.
    step = 'link';
    where = `${tmp}, ${target}`;
    await fs.link(tmp, target);
    return { ...written, moved: false };
  } catch (err) {
    throw failure(step, where, err, context);
  } finally {
    if (created) await fs.unlink(tmp).catch(() => undefined);
  }
}

/** false when `from` is gone (a POP3 client deleted it meanwhile): the caller links its own copy. */
async function renameUnlessGone(from: string, to: string): Promise<boolean> {
  return fs.rename(from, to).then(
    () => true,
    (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    },
  );
}

/** Writes the body with LF line ends; returns the stored size and the SHA-256 of what was stored. */
async function writeLf(
  handle: fs.FileHandle,
  body: MessageSource,
): Promise<{ bytes: number; lines: number; sha256: string }> {
  let bytes = 0;
  let lines = 0;
  const hash = createHash('sha256');
  const write = async (chunk: Buffer) => {
    // write() may write less than asked (a full disk, a signal): go on until all of it is written.
    for (let done = 0; done < chunk.length;)
      done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
    bytes += chunk.length;
    lines += countLf(chunk);
    hash.update(chunk);
  };
  if (Buffer.isBuffer(body)) await write(crlfToLf(body));
  // The producer's chunks already end in LF (POP3 lines); each write is awaited: bounded memory.
  else if (typeof body === 'function') await body(write);
  // pipeline, not pipe: a connection dropped mid-message must fail the write, not end it short.
  else
    await pipeline(body, new CrlfToLf(), async (lf: AsyncIterable<Buffer>) => {
      for await (const chunk of lf) await write(chunk);
    });
  return { bytes, lines, sha256: hash.digest('hex') };
}

/** A full disk or quota stops the whole folder: every further message would fail the same way. */
function failure(step: string, where: string, err: unknown, context: ErrorContext): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const text = syscallText(step, where, err);
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new FolderError(`${text} (disk full or over quota?)`, { ...context, cause: err });
  return new MessageError(text, { ...context, cause: err });
}
