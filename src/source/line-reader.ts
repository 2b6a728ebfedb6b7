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
  /** Received, unread bytes; a line is only copied when it spans chunks. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** How many of the leading chunks are known to hold no LF. */
  private scanned = 0;
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
    this.detach();
    this.stream = stream;
    this.ended = false;
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered > HIGH_WATER_BYTES) stream.pause();
      this.wake?.();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    stream.on('error', (err) => {
      this.failure = err;
      this.wake?.();
    });
  }

  /** Stops reading the stream: it is handed on (wrapped in TLS, or to imapflow). */
  detach(): void {
    this.stream?.removeAllListeners('data').removeAllListeners('end').removeAllListeners('error');
    this.stream = undefined;
  }

  /** Bytes received but not yet read; after STLS any such byte is an injection attempt. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** The next line without its line end. */
  async readLine(): Promise<Buffer> {
    for (;;) {
      const line = this.takeLine();
      if (line) return line;
      if (this.buffered > this.maxLineBytes) throw this.tooLong(this.maxLineBytes);
      await this.moreData();
    }
  }

  /**
   * Every byte received and not yet read, as it came, waiting for at least one: a message body is
   * taken in blocks (src/source/pop3-body.ts), not line by line. Past HIGH_WATER_BYTES unread the
   * stream is paused, so a slow disk holds the server back instead of filling memory.
   */
  async readBytes(): Promise<Buffer> {
    while (this.buffered === 0) await this.moreData();
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    this.scanned = 0;
    return data;
  }

  /** Gives back bytes read too far (what followed a message's end), to be read again first. */
  unread(data: Buffer): void {
    if (data.length === 0) return;
    this.chunks.unshift(data);
    this.buffered += data.length;
    this.scanned = 0;
  }

  private async moreData(): Promise<void> {
    if (this.failure)
      throw new LineReadError('stream-error', `connection failed: ${this.failure.message}`, { cause: this.failure });
    if (this.ended) throw new LineReadError('eof', 'connection closed by the peer');
    this.stream?.resume();
    await this.waitForData();
  }

  private takeLine(): Buffer | undefined {
    for (let k = this.scanned; k < this.chunks.length; k++) {
      const chunk = this.chunks[k] as Buffer;
      const lf = chunk.indexOf(0x0a);
      if (lf < 0) {
        this.scanned = k + 1;
        continue;
      }
      const head = this.chunks.slice(0, k);
      const raw = head.length === 0 ? chunk.subarray(0, lf) : Buffer.concat([...head, chunk.subarray(0, lf)]);
      if (raw.length > this.maxLineBytes) throw this.tooLong(this.maxLineBytes);
      const rest = chunk.subarray(lf + 1);
      this.chunks = rest.length > 0 ? [rest, ...this.chunks.slice(k + 1)] : this.chunks.slice(k + 1);
      this.buffered -= raw.length + 1;
      this.scanned = 0;
      if (this.buffered <= HIGH_WATER_BYTES) this.stream?.resume();
      return raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, -1) : raw;
    }
    return undefined;
  }

  private waitForData(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        reject(new LineReadError('timeout', `stalled: no answer within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private tooLong(limit: number): LineReadError {
    return new LineReadError('too-long', `line longer than ${limit} bytes`);
  }
}
