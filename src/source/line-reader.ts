import type { Readable } from 'node:stream';

/** Why a read failed, so callers can name it: the peer closed, went silent, or sent garbage. */
export type LineReadFailure = 'eof' | 'timeout' | 'too-long' | 'stream-error';

export class LineReadError extends Error {
  constructor(
    readonly reason: LineReadFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const HIGH_WATER_BYTES = 1024 * 1024;

/**
 * Reads LF-terminated lines (a CR before the LF is dropped) from a stream that may split a line
 * anywhere. One reader serves a connection for its whole life; attach() moves it to the TLS
 * socket after STLS.
 */
export class LineReader {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private failure?: Error;
  private wake?: () => void;
  private stream?: Readable;

  constructor(
    stream: Readable,
    private readonly timeoutMs: number,
    private readonly maxLineBytes: number,
  ) {
    this.attach(stream);
  }

  attach(stream: Readable): void {
    this.stream?.removeAllListeners('data').removeAllListeners('end').removeAllListeners('error');
    this.stream = stream;
    this.ended = false;
    stream.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      if (this.buf.length > HIGH_WATER_BYTES) stream.pause();
      this.notify();
    });
    stream.on('end', () => {
      this.ended = true;
      this.notify();
    });
    stream.on('error', (err) => {
      this.failure = err;
      this.notify();
    });
  }

  /** Bytes received but not yet read; after STLS any such byte is an injection attempt. */
  get pendingBytes(): number {
    return this.buf.length;
  }

  /** The next line without its line end; `maxLineBytes` overrides the reader's limit (message content). */
  async readLine(maxLineBytes = this.maxLineBytes): Promise<Buffer> {
    for (;;) {
      const lf = this.buf.indexOf(0x0a);
      if (lf >= 0) {
        if (lf > maxLineBytes) throw this.tooLong(maxLineBytes);
        const end = lf > 0 && this.buf[lf - 1] === 0x0d ? lf - 1 : lf;
        const line = this.buf.subarray(0, end);
        this.buf = this.buf.subarray(lf + 1);
        if (this.buf.length <= HIGH_WATER_BYTES) this.stream?.resume();
        return line;
      }
      if (this.buf.length > maxLineBytes) throw this.tooLong(maxLineBytes);
      if (this.failure) throw new LineReadError('stream-error', `connection failed: ${this.failure.message}`, { cause: this.failure });
      if (this.ended) throw new LineReadError('eof', 'connection closed by the peer');
      this.stream?.resume();
      await this.waitForData();
    }
  }

  private waitForData(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        reject(new LineReadError('timeout', `no answer within ${Math.round(this.timeoutMs / 1000)} s`));
      }, this.timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private notify(): void {
    this.wake?.();
  }

  private tooLong(limit: number): LineReadError {
    return new LineReadError('too-long', `line longer than ${limit} bytes`);
  }
}
