import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { fsCall, type ErrorContext } from '../errors.js';

const CR = 0x0d;
const LF = 0x0a;

/**
 * CRLF → LF in place, as qmail-local stores mail; a lone CR is kept: it is content, not a line end.
 * `data` is rewritten and the result is its start, returned with its number of LFs (the lines a
 * POP3 server adds a CR to). One search per line end and nothing allocated: a copy call per line
 * took 8% of a full import's main thread.
 */
export function crlfToLfInPlace(data: Buffer): { lf: Buffer; lines: number } {
  let lines = 0;
  // Bytes before `from` that are kept have been moved down to end at `to` (-1: nothing moved yet);
  // bytes from `from` on are as they came, so the CR before each LF is read unmoved.
  let to = -1;
  let from = 0;
  for (let lf = data.indexOf(LF); lf >= 0; lf = data.indexOf(LF, lf + 1)) {
    lines += 1;
    if (lf === 0 || data[lf - 1] !== CR) continue;
    if (to < 0) to = lf - 1;
    else {
      data.copyWithin(to, from, lf - 1);
      to += lf - 1 - from;
    }
    from = lf;
  }
  if (to < 0) return { lf: data, lines };
  data.copyWithin(to, from);
  return { lf: data.subarray(0, to + data.length - from), lines };
}

/**
 * The streaming form of crlfToLfInPlace: a CR at the end of one chunk waits for the next. The
 * chunks are its own from then on (a download's are), and rewritten in place.
 */
export class CrlfToLf extends Transform {
  private heldCr = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let data = this.heldCr ? Buffer.concat([Buffer.from('\r'), chunk]) : chunk;
    this.heldCr = data.length > 0 && data[data.length - 1] === CR;
    if (this.heldCr) data = data.subarray(0, -1);
    done(null, crlfToLfInPlace(data).lf);
  }

  override _flush(done: TransformCallback): void {
    done(null, this.heldCr ? Buffer.from('\r') : undefined);
  }
}

/** Number of LF bytes: what turns a stored (LF) size into the CRLF size POP3 servers report. */
export function countLf(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(LF); i >= 0; i = data.indexOf(LF, i + 1)) n += 1;
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
