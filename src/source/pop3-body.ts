const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const NONE = Buffer.alloc(0);

/** A message answer with a line over the limit: a broken or hostile server. */
export class BodyLineTooLong extends Error {}

/** What one block of an answer gave: content, and once the terminating line is seen, what followed it. */
export interface BodyBlock {
  /** Message bytes as stored: LF line ends, dots unstuffed. */
  content: Buffer;
  /** Set once the answer has ended: the bytes after its terminating line (the next answer's). */
  rest?: Buffer;
}

/**
 * Turns a RETR or TOP answer, in blocks as they arrive, into the message as it is stored: dots
 * unstuffed, CRLF made LF (a lone CR is content), up to the terminating "." line. Each block is
 * decoded in one pass with no object per line, so a 200 MB message costs a few buffers, not
 * millions. A server ends a message that has no final line end with an added CRLF; the LIST size
 * tells (docs/faults.md): when the answer is two bytes longer than LIST, the last LF is left out.
 * Bytes a decision needs to see past (a dot or CR at a block's end) wait for the next block.
 */
export class Pop3BodyDecoder {
  /** The answer's size as a POP3 server counts it: unstuffed bytes with CRLF line ends. */
  crlfBytes = 0;
  private atLineStart = true;
  private lineBytes = 0;
  /** Undecided bytes from the end of the last block: ".", ".\r" at a line start, or a "\r". */
  private held = NONE;
  /** The last LF given out so far, kept back until it is known not to be the server's added one. */
  private lfHeld = false;

  constructor(
    private readonly listSize: number,
    private readonly maxLineBytes: number,
  ) {}

  decode(block: Buffer): BodyBlock {
    const data = this.held.length > 0 ? Buffer.concat([this.held, block]) : block;
    this.held = NONE;
    const out = Buffer.allocUnsafe(data.length + 1);
    let o = 0;
    if (this.lfHeld) out[o++] = LF;
    this.lfHeld = false;
    let i = 0;
    while (i < data.length) {
      if (this.atLineStart && data[i] === DOT) {
        const end = this.terminatorEnd(data, i);
        if (end === 'undecided') {
          this.held = Buffer.from(data.subarray(i));
          break;
        }
        if (end !== undefined) return { content: this.ended(out, o), rest: data.subarray(end) };
        i += 1; // a stuffed dot
      }
      this.atLineStart = false;
      const lf = data.indexOf(LF, i);
      if (lf < 0) {
        // The line goes on in the next block; a CR at the end may be half of its CRLF.
        const end = data[data.length - 1] === CR ? data.length - 1 : data.length;
        o += data.copy(out, o, i, end);
        this.countLine(end - i);
        if (end < data.length) this.held = Buffer.from([CR]);
        break;
      }
      const end = lf > i && data[lf - 1] === CR ? lf - 1 : lf;
      o += data.copy(out, o, i, end);
      out[o++] = LF;
      this.countLine(end - i);
      this.crlfBytes += this.lineBytes + 2;
      this.lineBytes = 0;
      this.atLineStart = true;
      i = lf + 1;
    }
    if (o > 0 && out[o - 1] === LF) {
      this.lfHeld = true;
      o -= 1;
    }
    return { content: out.subarray(0, o) };
  }

  /** At a line-start dot: the offset past the terminating line, undefined for a stuffed dot, or
   *  'undecided' when the block ends before that is known. */
  private terminatorEnd(data: Buffer, dot: number): number | undefined | 'undecided' {
    const next = data[dot + 1];
    if (next === undefined) return 'undecided';
    if (next === LF) return dot + 2;
    if (next !== CR) return undefined;
    const after = data[dot + 2];
    if (after === undefined) return 'undecided';
    return after === LF ? dot + 3 : undefined;
  }

  private ended(out: Buffer, o: number): Buffer {
    // Every line ends in LF, so the one kept back is the last byte of the message.
    if (o > 0 && this.crlfBytes === this.listSize + 2) o -= 1;
    return out.subarray(0, o);
  }

  private countLine(bytes: number): void {
    this.lineBytes += bytes;
    if (this.lineBytes > this.maxLineBytes) throw new BodyLineTooLong(`line longer than ${this.maxLineBytes} bytes`);
  }
}
