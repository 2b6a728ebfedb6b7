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
import { LineReadError, type LineReader } from './line-reader.js';
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
  /** Messages read with RETR in this session (RETR may set \Seen at the source). */
  retrReads = 0;
  /** Set when an answer was left unread half-way: what it answered. */
  private abandoned?: string;

  constructor(
    private readonly reader: LineReader,
    private readonly write: (data: string) => void,
    /** Names the peer in every error, e.g. "pop3 mail.example.com:995". */
    readonly peer: string,
    private readonly context: ErrorContext = {},
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
   * A whole message, one line at a time, as a POP3 client gets it; `lineEnd` says whether the line
   * ends in a line end (all but, maybe, the last). TOP with more body lines than any message has
   * comes first: unlike RETR it leaves the message unseen on servers that share \Seen with IMAP
   * (Dovecot, Cyrus). Its answer is held (up to TOP_CHECK_MAX_BYTES) and used only when its CRLF
   * byte count equals the LIST size: some servers' TOP carries one more empty line than RETR.
   * Otherwise RETR; a bigger message is streamed from TOP only to a consumer that can `restart`
   * (a hash), else read with RETR. A server ends a message that has no final line end
   * with an added CRLF; the LIST size tells (docs/faults.md): two bytes more than LIST, and the
   * last line is given without its end. Returns the command that was used.
   */
  async eachMessageLine(
    n: number,
    listSize: number,
    take: (line: Buffer, lineEnd: boolean) => void | Promise<void>,
    restart?: () => void,
  ): Promise<'TOP' | 'RETR'> {
    if (listSize <= TOP_CHECK_MAX_BYTES) {
      const held = await this.topIfListAgrees(n, listSize);
      if (held) {
        for (const line of held) await take(line, true);
        return 'TOP';
      }
    } else if (restart) {
      // A consumer that can start over (a hash) gets a big message streamed from TOP, and RETR only if TOP was off.
      if ((await this.streamMessage(`TOP ${n} ${WHOLE_MESSAGE_LINES}`, n, listSize, take)) === listSize) return 'TOP';
      restart();
    }
    this.retrReads += 1;
    await this.streamMessage(`RETR ${n}`, n, listSize, take);
    return 'RETR';
  }

  /** Streams one message answer, each line handed on when the next arrives (only at the end is it known
   *  whether the last one had a line end). Returns the answer's CRLF byte count; NaN when refused. */
  private async streamMessage(
    command: string,
    n: number,
    listSize: number,
    take: (line: Buffer, lineEnd: boolean) => void | Promise<void>,
  ): Promise<number> {
    try {
      await this.command(command);
    } catch (err) {
      if (!(err instanceof Pop3ErrReply) || command.startsWith('RETR')) throw err;
      return NaN;
    }
    let last: Buffer | undefined;
    let crlfBytes = 0;
    await this.readBody(
      `${command.split(' ')[0]} ${n} (message body)`,
      async (line) => {
        if (last) await take(last, true);
        last = line;
        crlfBytes += line.length + 2;
      },
      MAX_MESSAGE_LINE_BYTES,
    );
    if (last) await take(last, crlfBytes !== listSize + 2);
    return crlfBytes;
  }

  /** TOP n WHOLE: its lines when their CRLF byte count is the LIST size; undefined when refused or not. */
  private async topIfListAgrees(n: number, listSize: number): Promise<Buffer[] | undefined> {
    try {
      await this.command(`TOP ${n} ${WHOLE_MESSAGE_LINES}`);
    } catch (err) {
      if (!(err instanceof Pop3ErrReply)) throw err;
      return undefined;
    }
    const lines: Buffer[] = [];
    let crlfBytes = 0;
    // Read to the end (the session must stay in step), keeping no more than the LIST size allows; an
    // answer far past LIST (a message that may never end) is refused and leaves the session unusable.
    await this.readBody(
      `TOP ${n} (message body)`,
      (line) => {
        crlfBytes += line.length + 2;
        if (crlfBytes > listSize + TOP_EXTRA_MAX_BYTES)
          throw this.error(`TOP ${n}: answer longer than the ${listSize} bytes LIST said; refused`);
        if (crlfBytes <= listSize) lines.push(line);
      },
      MAX_MESSAGE_LINE_BYTES,
    );
    return crlfBytes === listSize ? lines : undefined;
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

  private async readBody(
    what: string,
    take: (line: Buffer) => void | Promise<void>,
    maxLineBytes?: number,
  ): Promise<void> {
    for (;;) {
      const raw = await this.read(what, maxLineBytes);
      if (raw.length === 1 && raw[0] === 0x2e) return;
      try {
        await take(raw[0] === 0x2e ? raw.subarray(1) : raw);
      } catch (err) {
        // The rest of this answer is still coming (a message longer than LIST said may never end):
        // the session cannot read another answer.
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
    const line = (await this.read(what)).toString('latin1');
    if (line === '+OK' || line.startsWith('+OK ')) return line.slice(4);
    if (line === '-ERR' || line.startsWith('-ERR '))
      throw new Pop3ErrReply(`${this.peer}: ${what} refused: ${line}`, this.context, line.slice(5));
    throw this.error(`malformed answer to ${what}: ${JSON.stringify(line.slice(0, 200))}`);
  }

  private async read(what: string, maxLineBytes?: number): Promise<Buffer> {
    try {
      return await this.reader.readLine(maxLineBytes);
    } catch (err) {
      if (err instanceof LineReadError) throw this.error(`${what}: ${err.message}`, err);
      throw err;
    }
  }

  private readonly error = (message: string, cause?: unknown): SourceError =>
    new SourceError(`${this.peer}: ${message}`, { ...this.context, cause });
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
