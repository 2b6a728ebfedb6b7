import { SourceError, type ErrorContext } from '../errors.js';
import {
  MAX_MESSAGE_LINE_BYTES,
  MAX_POP3_CAPA_BYTES,
  MAX_POP3_HEADER_BYTES,
  MAX_POP3_LISTING_BYTES,
  MAX_POP3_LISTING_LINES,
  TOP_CHECK_MAX_BYTES,
  TOP_EXTRA_MAX_BYTES,
} from '../limits.js';
import type { HideSecrets } from './hide-secrets.js';
import { LineReadError, type LineReader } from './line-reader.js';
import { BodyLineTooLong, Pop3BodyDecoder } from './pop3-body.js';
import { parseListing, type ListEntry, type UidlEntry } from './pop3-listing.js';

/** More body lines than any message has: TOP n WHOLE_MESSAGE_LINES is the whole message. */
const WHOLE_MESSAGE_LINES = 999_999_999;

/** How much of one multi-line answer is taken into memory; more is a broken or hostile server. */
export interface AnswerCap {
  bytes: number;
  lines: number;
}

const LISTING_CAP: AnswerCap = { bytes: MAX_POP3_LISTING_BYTES, lines: MAX_POP3_LISTING_LINES };

/**
 * The POP3 dialogue over any byte pipe: a TCP/TLS connection to a source server, or the
 * stdin/stdout of a qmail-pop3d process. send() is the one choke point for outgoing lines.
 */
export class Pop3Session {
  /** Messages read with RETR in this session, each followed by RSET. */
  retrReads = 0;
  /** Set when an answer was left unread half-way: what it answered. */
  private abandoned?: string;

  constructor(
    private readonly reader: LineReader,
    private readonly write: (data: string) => void,
    /** Names the peer in every error, e.g. "pop3 mail.example.com:995". */
    readonly peer: string,
    private readonly context: ErrorContext = {},
    /** Every error made from the server's words passes through this (src/source/hide-secrets.ts). */
    private readonly hide: HideSecrets = (text) => text,
  ) {}

  /** The first line a POP3 server sends; returns its text after "+OK". */
  async greeting(): Promise<string> {
    return this.expectOk('greeting');
  }

  /** A command with a one-line answer; returns the text after "+OK". */
  async command(line: string, shown: string = line): Promise<string> {
    this.send(line);
    return this.expectOk(shown);
  }

  /** A command with a multi-line answer: the lines, dot-unstuffed, without the terminator, up to `cap`. */
  async multiline(line: string, cap: AnswerCap = LISTING_CAP): Promise<Buffer[]> {
    await this.command(line);
    return this.collect(line, cap);
  }

  /** The lines of one multi-line answer; an answer over `cap` fails by name before it fills memory. */
  private async collect(what: string, cap: AnswerCap): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    let bytes = 0;
    await this.readBody(what, (l) => {
      bytes += l.length + 2;
      if (bytes > cap.bytes || lines.length >= cap.lines)
        throw this.error(`answer to ${what} longer than ${cap.bytes} bytes or ${cap.lines} lines; refused`);
      lines.push(l);
    });
    return lines;
  }

  /**
   * A whole message, in blocks of its stored form (LF line ends, dots unstuffed), as a POP3 client
   * gets it. TOP with more body lines than any message has comes first: unlike RETR it leaves the
   * message unseen on servers that share \Seen with IMAP (Dovecot, Cyrus). Its answer is held (up
   * to TOP_CHECK_MAX_BYTES) and used only when its CRLF byte count equals the LIST size: some
   * servers' TOP carries one more empty line than RETR. Otherwise RETR; a bigger message is
   * streamed from TOP only to a consumer that can `restart` (a hash), else read with RETR. A last
   * line end the server added is left out (src/source/pop3-body.ts). Returns the command used.
   */
  async readMessage(
    n: number,
    listSize: number,
    take: (content: Buffer) => void | Promise<void>,
    restart?: () => void,
  ): Promise<'TOP' | 'RETR'> {
    if (listSize <= TOP_CHECK_MAX_BYTES) {
      const held = await this.topIfListAgrees(n, listSize);
      if (held) {
        for (const block of held) await take(block);
        return 'TOP';
      }
    } else if (restart) {
      // A consumer that can start over (a hash) gets a big message streamed from TOP, and RETR only if TOP was off.
      if ((await this.streamMessage(`TOP ${n} ${WHOLE_MESSAGE_LINES}`, n, listSize, take)) === listSize) return 'TOP';
      restart();
    }
    this.retrReads += 1;
    await this.streamMessage(`RETR ${n}`, n, listSize, take);
    // RETR marks the message seen where POP3 shares \Seen with IMAP; Dovecot commits that at
    // QUIT and at a dropped connection alike, RSET takes it back (docs/write-path.md).
    await this.command('RSET');
    return 'RETR';
  }

  /** Streams one message answer to `take`. Returns its CRLF byte count; NaN when TOP was refused. */
  private async streamMessage(
    command: string,
    n: number,
    listSize: number,
    take: (content: Buffer) => void | Promise<void>,
  ): Promise<number> {
    try {
      await this.command(command);
    } catch (err) {
      if (!(err instanceof Pop3ErrReply) || command.startsWith('RETR')) throw err;
      return NaN;
    }
    return this.readMessageBody(`${command.split(' ')[0]} ${n} (message body)`, listSize, take);
  }

  /** TOP n WHOLE: its blocks when their CRLF byte count is the LIST size; undefined when refused or not. */
  private async topIfListAgrees(n: number, listSize: number): Promise<Buffer[] | undefined> {
    try {
      await this.command(`TOP ${n} ${WHOLE_MESSAGE_LINES}`);
    } catch (err) {
      if (!(err instanceof Pop3ErrReply)) throw err;
      return undefined;
    }
    const blocks: Buffer[] = [];
    // Read to the end (the session must stay in step), keeping no more than the LIST size allows; an
    // answer far past LIST (a message that may never end) is refused and leaves the session unusable.
    const crlfBytes = await this.readMessageBody(`TOP ${n} (message body)`, listSize, (block, crlfSoFar) => {
      if (crlfSoFar > listSize + TOP_EXTRA_MAX_BYTES)
        throw this.error(`TOP ${n}: answer longer than the ${listSize} bytes LIST said; refused`);
      blocks.push(block);
    });
    return crlfBytes === listSize ? blocks : undefined;
  }

  /**
   * One message answer, up to its terminating line, handed on block by block as it arrives with
   * the CRLF byte count so far. Returns the answer's CRLF byte count.
   */
  private async readMessageBody(
    what: string,
    listSize: number,
    take: (content: Buffer, crlfSoFar: number) => void | Promise<void>,
  ): Promise<number> {
    const decoder = new Pop3BodyDecoder(listSize, MAX_MESSAGE_LINE_BYTES);
    for (;;) {
      const data = await this.readWith(what, this.reader.readBytes());
      let ended = false;
      try {
        const { content, rest } = decoder.decode(data);
        if (rest) {
          this.reader.unread(rest);
          ended = true;
        }
        if (content.length > 0) await take(content, decoder.crlfBytes);
      } catch (err) {
        // The rest of this answer is still coming (a message longer than LIST said may never end):
        // the session cannot read another answer.
        if (!ended) this.abandoned = what;
        if (err instanceof BodyLineTooLong) throw this.error(`${what}: ${err.message}`, err);
        throw err;
      }
      if (ended) return decoder.crlfBytes;
    }
  }

  /**
   * Several multi-line commands, answered in order. With PIPELINING (RFC 2449) up to `window`
   * commands go out before the first answer is read, which hides the round trips of many TOPs.
   * A -ERR for one command (a message deleted meanwhile) is handed to `take`; the rest go on.
   */
  async pipelined(
    commands: readonly string[],
    pipelining: boolean,
    take: (i: number, answer: Buffer[] | Pop3ErrReply) => void,
    window = 32,
  ): Promise<void> {
    const step = pipelining ? window : 1;
    for (let start = 0; start < commands.length; start += step) {
      const batch = commands.slice(start, start + step);
      for (const c of batch) this.send(c);
      for (const [k, c] of batch.entries()) {
        try {
          await this.expectOk(c);
        } catch (err) {
          if (!(err instanceof Pop3ErrReply)) throw err;
          take(start + k, err);
          continue;
        }
        take(start + k, await this.collect(c, { bytes: MAX_POP3_HEADER_BYTES, lines: MAX_POP3_LISTING_LINES }));
      }
    }
  }

  private async readBody(what: string, take: (line: Buffer) => void): Promise<void> {
    for (;;) {
      const raw = await this.read(what);
      if (raw.length === 1 && raw[0] === 0x2e) return;
      try {
        take(raw[0] === 0x2e ? raw.subarray(1) : raw);
      } catch (err) {
        // The rest of this answer is still coming: the session cannot read another answer.
        this.abandoned = what;
        throw err;
      }
    }
  }

  async uidl(): Promise<UidlEntry[]> {
    return parseListing(
      await this.multiline('UIDL'),
      'UIDL',
      /^(\d+) ([^\r\n]+)$/,
      (n, rest) => ({ n, uidl: rest }),
      this.error,
    );
  }

  async list(): Promise<ListEntry[]> {
    return parseListing(
      await this.multiline('LIST'),
      'LIST',
      /^(\d+) (\d+)(?: .*)?$/,
      (n, rest) => ({ n, size: Number(rest) }),
      this.error,
    );
  }

  /** Capabilities from CAPA, upper-cased names with their arguments; empty if the server has no CAPA. */
  async capabilities(): Promise<Map<string, string>> {
    let lines: Buffer[];
    try {
      lines = await this.multiline('CAPA', { bytes: MAX_POP3_CAPA_BYTES, lines: MAX_POP3_CAPA_BYTES });
    } catch (err) {
      if (err instanceof Pop3ErrReply) return new Map();
      throw err;
    }
    const caps = new Map<string, string>();
    for (const l of lines) {
      const [name = '', ...args] = l.toString('latin1').trim().split(/\s+/);
      if (name) caps.set(name.toUpperCase(), args.join(' '));
    }
    return caps;
  }

  send(line: string): void {
    if (this.abandoned !== undefined)
      throw this.error(`cannot send ${line.split(' ')[0]}: the answer to ${this.abandoned} was left unread`);
    // A CR or LF inside a command would let data (a password, a UIDL) smuggle in a second command.
    if (/[\r\n]/.test(line)) throw this.error(`refusing to send a command containing CR or LF`);
    this.write(`${line}\r\n`);
  }

  private async expectOk(what: string): Promise<string> {
    const line = this.hide((await this.read(what)).toString('latin1'));
    if (line === '+OK' || line.startsWith('+OK ')) return line.slice(4);
    if (line === '-ERR' || line.startsWith('-ERR '))
      throw new Pop3ErrReply(`${this.peer}: ${what} refused: ${line}`, this.context, line.slice(5));
    throw this.error(`malformed answer to ${what}: ${JSON.stringify(line.slice(0, 200))}`);
  }

  private read(what: string): Promise<Buffer> {
    return this.readWith(what, this.reader.readLine());
  }

  private async readWith(what: string, reading: Promise<Buffer>): Promise<Buffer> {
    try {
      return await reading;
    } catch (err) {
      if (err instanceof LineReadError) throw this.error(`${what}: ${err.message}`, err);
      throw err;
    }
  }

  private readonly error = (message: string, cause?: unknown): SourceError =>
    new SourceError(this.hide(`${this.peer}: ${message}`), { ...this.context, cause });
}

/** The server answered -ERR: a refusal, not a broken connection. */
export class Pop3ErrReply extends SourceError {
  constructor(
    message: string,
    context: ErrorContext,
    readonly serverText: string,
  ) {
    super(message, context);
  }
}
