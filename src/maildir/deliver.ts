import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FolderError, ImportError, MessageError, syscallText, type ErrorContext } from '../errors.js';
import { countLf, CrlfToLf, crlfToLf } from './line-endings.js';
import { tmpName } from './unique-name.js';

/** A message body: whole, streamed, or produced block by block by a writer function (a message read over POP3). */
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
      written = await writeLf(handle, d, context);
      // The mtime before the fsync, so that it is durable with the data (qmail-pop3d orders by it).
      // atime stays "now": qmail-pop3d unlinks tmp/ files whose atime is over 36 hours old.
      step = 'utime';
      await handle.utimes(new Date(), new Date(d.mtimeSec * 1000));
      step = 'fsync';
      await handle.sync();
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
  { body, expectedSize, onBytes }: Delivery,
  context: ErrorContext,
): Promise<{ bytes: number; lines: number; sha256: string }> {
  const blockProducer = typeof body === 'function';
  let bytes = 0;
  let lfs = 0;
  const hash = createHash('sha256');
  const write = async (chunk: Buffer) => {
    if (blockProducer) {
      // + 1: the line end a server adds to a last line that had none.
      if (expectedSize !== undefined && bytes + chunk.length > expectedSize + 1)
        throw sizeError('over', expectedSize, context);
    }
    // write() may write less than asked (a full disk, a signal): go on until all of it is written.
    for (let done = 0; done < chunk.length;)
      done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
    bytes += chunk.length;
    lfs += countLf(chunk);
    hash.update(chunk);
    onBytes?.(chunk.length);
  };
  const received = new ReceivedBytes(expectedSize, context);
  if (Buffer.isBuffer(body)) {
    received.add(body.length);
    await write(crlfToLf(body));
  }
  // The producer's blocks already have LF line ends; each write is awaited: bounded memory.
  else if (blockProducer) await body(write);
  // pipeline, not pipe: a connection dropped mid-message must fail the write, not end it short.
  else
    await pipeline(body, received, new CrlfToLf(), async (lf: AsyncIterable<Buffer>) => {
      for await (const chunk of lf) await write(chunk);
    });
  if (expectedSize !== undefined) {
    // A block producer's size is CRLF (or LF) terms, give or take the line end a server adds
    // before the terminator to a message whose last line had none (RFC 1939).
    const got = blockProducer ? bytes + lfs : received.bytes;
    const ok = blockProducer ? [got, got - 2, bytes, bytes - 1].includes(expectedSize) : got === expectedSize;
    if (!ok) throw sizeError(got < expectedSize ? got : 'over', expectedSize, context);
  }
  return { bytes, lines: lfs, sha256: hash.digest('hex') };
}

/** Counts the raw bytes of a streamed body, and stops it as soon as it runs past the announced size. */
class ReceivedBytes extends Transform {
  bytes = 0;

  constructor(
    private readonly expected: number | undefined,
    private readonly context: ErrorContext,
  ) {
    super();
  }

  add(n: number): void {
    this.bytes += n;
    if (this.expected !== undefined && this.bytes > this.expected) throw sizeError('over', this.expected, this.context);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.add(chunk.length);
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
