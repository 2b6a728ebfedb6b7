import { createHash } from 'node:crypto';
import { closeSync, fsync, futimesSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { FolderError, ImportError, MessageError, syscallText, type ErrorContext } from '../errors.js';
import type { ContentHasher } from './hash-file.js';
import { countLf, CrlfToLf, crlfToLfInPlace } from './line-endings.js';
import { tmpName } from './unique-name.js';

/** A message body: whole, streamed, or produced block by block by a writer function (a message read over POP3).
 *  A whole one is the write's from then on: its line ends are made LF in place. */
export type MessageSource = Buffer | Readable | ((write: (chunk: Buffer) => Promise<void>) => Promise<void>);

export interface Delivery {
  /** Target directory and file name, e.g. new/NAME or cur/NAME:2,S. */
  dir: 'new' | 'cur';
  file: string;
  mtimeSec: number;
  body: MessageSource;
  /**
   * An earlier copy of the message under another name (the source renumbered it): given the
   * SHA-256 of the bytes and their `key`, that file, which is then moved to the target instead of
   * linking a second copy. One with the same key but other bytes (a server that keeps flags in
   * the message changed it meanwhile) takes the new bytes as it moves.
   */
  sameContent?: (sha256: string, key: string | undefined) => Promise<{ file: string; sameBytes: boolean } | undefined>;
  /** What the bytes are also fed to for `sameContent`'s key (src/uidl/content-key.ts). */
  key?: () => ContentHasher;
  /**
   * The file that holds this message now, when the source changed its bytes under the same UID
   * (docs/journal.md): the new bytes are renamed over it, and it then takes the target name (its
   * flags may have grown). Gone meanwhile (deleted here): nothing is stored.
   */
  replaces?: string;
  /**
   * The size the server announced (IMAP RFC822.SIZE, POP3 LIST), counted on the bytes received,
   * before CRLF becomes LF; for a block producer (POP3) in CRLF terms, or in LF terms as
   * qmail-pop3d-like servers count. A body that ends short or runs long is this message's
   * error, found before anything is linked; a long one is cut off as soon as it overruns.
   */
  expectedSize?: number;
  /** Told of each block as it is stored (its bytes with LF line ends): a big message's progress. */
  onBytes?: (bytes: number) => void;
}

export interface Delivered {
  /** Stored (LF) size. */
  bytes: number;
  /** Line ends stored: with `bytes`, the size a POP3 server counts (CRLF). */
  lines: number;
  sha256: string;
  /** The target is an earlier copy, moved there (sameContent), not a new file. */
  moved: boolean;
  /** The stored size of the file whose bytes this replaced (`replaces`, or an earlier copy with
   *  other bytes); absent for `replaces` when it was gone (nothing stored). */
  replacedBytes?: number;
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const fsyncFd = promisify(fsync);
/** Once per run, not per message: the tmp/ names' host part. */
const HOST = os.hostname();

/**
 * Writes one message as qmail-local does (docs/write-path.md): exclusive create in tmp/, write with
 * LF line ends, fsync, set mtime, close, link() into new/ or cur/, unlink the tmp name. Only a
 * complete, synced file ever gets a visible name. The caller fsyncs new/ and cur/ once per batch.
 * Every call but fsync is synchronous: each is a few microseconds in the page cache and the
 * directory, and as an async call a trip through the thread pool, queued behind the fsyncs of the
 * other messages in flight (docs/write-path.md). fsync waits for the disk and stays async.
 */
export async function deliver(maildir: string, d: Delivery, context: ErrorContext): Promise<Delivered> {
  const tmp = path.join(maildir, 'tmp', tmpName(HOST));
  const target = path.join(maildir, d.dir, d.file);
  let step = 'open';
  let where = tmp;
  let created = false;
  let written: { bytes: number; lines: number; sha256: string; key?: string } = { bytes: 0, lines: 0, sha256: '' };
  try {
    const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    created = true;
    try {
      step = 'write';
      written = await writeLf(fd, d, context);
      // The mtime before the fsync, so that it is durable with the data (qmail-pop3d orders by it).
      // atime stays "now": qmail-pop3d unlinks tmp/ files whose atime is over 36 hours old.
      step = 'utime';
      futimesSync(fd, new Date(), new Date(d.mtimeSec * 1000));
      step = 'fsync';
      await fsyncFd(fd);
    } finally {
      // close() is checked too: on some file systems quota errors only show up here.
      closeSync(fd);
    }
    const earlier = d.sameContent && (await d.sameContent(written.sha256, written.key));
    if (earlier) {
      // rename, then date it: the earlier copy takes the new name and the planned place in order.
      step = 'rename';
      where = `${earlier.file}, ${target}`;
      if (earlier.sameBytes && (await renameUnlessGone(earlier.file, target))) {
        await fs.lutimes(target, new Date(), new Date(d.mtimeSec * 1000));
        return { ...written, moved: true };
      }
      const replaced = earlier.sameBytes ? undefined : await replaceWith(tmp, earlier.file, target);
      if (replaced?.replacedBytes !== undefined) return { ...written, ...replaced, moved: true };
    }
    if (d.replaces !== undefined) {
      step = 'rename';
      where = `${tmp}, ${d.replaces}`;
      return { ...written, ...(await replaceWith(tmp, d.replaces, target)) };
    }
    // link, not rename: EEXIST must stop us, not overwrite someone's message.
    step = 'link';
    where = `${tmp}, ${target}`;
    linkSync(tmp, target);
    return { ...written, moved: false };
  } catch (err) {
    throw failure(step, where, err, context);
  } finally {
    if (created) unlinkQuietly(tmp);
  }
}

/** The tmp/ name goes, also after a failure; one already gone (renamed into place) is no error. */
function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already, or the lock's cleanup of tmp/ removes it on the next run (docs/write-path.md)
  }
}

/**
 * Puts `tmp` in the place of `file` and moves it to `target`: a reader sees the old bytes or the
 * new ones, never half of them. A file deleted here meanwhile is not brought back.
 */
async function replaceWith(
  tmp: string,
  file: string,
  target: string,
): Promise<{ moved: false; replacedBytes?: number }> {
  const st = await fs.lstat(file).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  });
  if (!st?.isFile()) return { moved: false };
  await fs.rename(tmp, file);
  if (file !== target) await fs.rename(file, target);
  return { moved: false, replacedBytes: st.size };
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
  fd: number,
  { body, expectedSize, onBytes, key: keyOf }: Delivery,
  context: ErrorContext,
): Promise<{ bytes: number; lines: number; sha256: string; key?: string }> {
  const key = keyOf?.();
  const blockProducer = typeof body === 'function';
  let bytes = 0;
  let lfs = 0;
  const hash = createHash('sha256');
  const put = async (chunk: Buffer, lines: number) => {
    if (blockProducer) {
      // + 1: the line end a server adds to a last line that had none.
      if (expectedSize !== undefined && bytes + chunk.length > expectedSize + 1)
        throw sizeError('over', expectedSize, context);
    }
    // write() may write less than asked (a full disk, a signal): go on until all of it is written.
    for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done, chunk.length - done);
    bytes += chunk.length;
    lfs += lines;
    hash.update(chunk);
    key?.update(chunk);
    onBytes?.(chunk.length);
  };
  // One argument only: a block producer calls it with more (a POP3 reader's count so far).
  const write = (chunk: Buffer) => put(chunk, countLf(chunk));
  // The raw bytes received, before CRLF becomes LF: a body that runs past its announced size is
  // stopped as soon as it does.
  let received = 0;
  const receive = (n: number) => {
    received += n;
    if (expectedSize !== undefined && received > expectedSize) throw sizeError('over', expectedSize, context);
  };
  if (Buffer.isBuffer(body)) {
    receive(body.length);
    const { lf, lines } = crlfToLfInPlace(body);
    await put(lf, lines);
  }
  // The producer's blocks already have LF line ends; each write is awaited: bounded memory.
  else if (blockProducer) await body(write);
  // pipeline, not pipe: a connection dropped mid-message must fail the write, not end it short.
  else
    await pipeline(body, new Counted(receive), new CrlfToLf(), async (lf: AsyncIterable<Buffer>) => {
      for await (const chunk of lf) await write(chunk);
    });
  if (expectedSize !== undefined) {
    // A block producer's size is CRLF (or LF) terms, give or take the line end a server adds
    // before the terminator to a message whose last line had none (RFC 1939).
    const got = blockProducer ? bytes + lfs : received;
    const ok = blockProducer ? [got, got - 2, bytes, bytes - 1].includes(expectedSize) : got === expectedSize;
    if (!ok) throw sizeError(got < expectedSize ? got : 'over', expectedSize, context);
  }
  return { bytes, lines: lfs, sha256: hash.digest('hex'), ...(key ? { key: key.digest() } : {}) };
}

/** Passes a streamed body on, telling `count` the size of each chunk; what `count` throws fails the stream. */
class Counted extends Transform {
  constructor(private readonly count: (n: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.count(chunk.length);
      done(null, chunk);
    } catch (err) {
      done(err as Error);
    }
  }
}

function sizeError(got: number | 'over', expected: number, context: ErrorContext): MessageError {
  const what = got === 'over' ? `more than the ${expected} bytes` : `${got} of the ${expected} bytes`;
  return new MessageError(`received ${what} the server announced; not stored`, context);
}

/** A full disk, quota or file size limit stops the whole folder: further messages would fail the same way. */
function failure(step: string, where: string, err: unknown, context: ErrorContext): Error {
  // The body's own errors (a size that does not match, a connection lost) say what they are.
  if (err instanceof ImportError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const text = syscallText(step, where, err);
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new FolderError(`${text} (disk full or over quota?)`, { ...context, cause: err });
  // Over the file size limit: this message only; smaller ones after it still fit.
  if (code === 'EFBIG') return new MessageError(`${text} (over the file size limit)`, { ...context, cause: err });
  return new MessageError(text, { ...context, cause: err });
}
