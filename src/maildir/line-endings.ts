import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { fsCall, type ErrorContext } from '../errors.js';

/** CRLF → LF, as qmail-local stores mail. A lone CR is kept: it is content, not a line end. */
export function crlfToLf(data: Buffer): Buffer {
  let cr = data.indexOf('\r\n');
  if (cr < 0) return data;
  const out = Buffer.allocUnsafe(data.length);
  let from = 0;
  let to = 0;
  while (cr >= 0) {
    to += data.copy(out, to, from, cr);
    from = cr + 1;
    cr = data.indexOf('\r\n', from);
  }
  to += data.copy(out, to, from);
  return out.subarray(0, to);
}

/** The streaming form of crlfToLf: a CR at the end of one chunk waits for the next. */
export class CrlfToLf extends Transform {
  private heldCr = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let data = this.heldCr ? Buffer.concat([Buffer.from('\r'), chunk]) : chunk;
    this.heldCr = data.length > 0 && data[data.length - 1] === 0x0d;
    if (this.heldCr) data = data.subarray(0, -1);
    done(null, crlfToLf(data));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.heldCr ? Buffer.from('\r') : undefined);
  }
}

/** Number of LF bytes: what turns a stored (LF) size into the CRLF size POP3 servers report. */
export function countLf(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, i + 1)) n += 1;
  return n;
}

/**
 * How many bytes a stored (LF) file grows by as CRLF: its LF count. Streams. NaN for a file this
 * user may not read: qmail-pop3d could not send it either, and NaN equals no size, so the message
 * is reported wherever sizes are compared.
 */
export async function crlfExtra(file: string, context: ErrorContext): Promise<number> {
  const count = async () => {
    let n = 0;
    for await (const chunk of createReadStream(file)) n += countLf(chunk as Buffer);
    return n;
  };
  return fsCall(count, 'read', file, context, { expected: { EACCES: NaN } });
}
