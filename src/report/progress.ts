import { Stopped, type RunContext } from '../run-context.js';
import { formatBytes, plural } from './text-parts.js';

/** A batch watching every user at once takes events often enough for a live view to move. */
const EVENT_EVERY_MS = 500;
/** Lines on stderr: one every few seconds is enough for a person watching. */
const LINE_EVERY_MS = 2000;

/** A size the source announced, or 0 where it announced none that can be counted. */
const known = (size: number) => (Number.isFinite(size) ? size : 0);

/**
 * One folder's copy as it goes: a progress event or stderr line now and then (none when quiet),
 * in messages and in bytes, the message under way included; and the run's stop honoured between
 * two messages, which is a safe point (docs/write-path.md).
 */
export class Progress {
  private lastMs = Date.now();
  private timer?: NodeJS.Timeout;
  private total = 0;
  private bytesTotal = 0;
  private done = 0;
  private bytesDone = 0;
  /** Bytes stored so far of each message under way (small ones are written several at once), by
   *  the message's planned record: IMAP and POP3 messages alike. */
  private readonly under = new Map<object, number>();

  constructor(
    private readonly run: RunContext,
    private readonly user: string,
    private readonly folder: string,
    private readonly quiet: boolean,
  ) {}

  /** The sizes of the messages this copy writes (over POP3 and IMAP), before the first. */
  expect(sizes: readonly number[]): void {
    this.total = sizes.length;
    this.bytesTotal = sizes.reduce((n, s) => n + known(s), 0);
  }

  /** `bytes` more of message `m` stored: shown, but no place to stop (the message is half-written). */
  received(m: object, bytes: number): void {
    this.under.set(m, (this.under.get(m) ?? 0) + bytes);
    this.show();
  }

  /** Message `m` is done with (written or failed): a safe point, where a stop is honoured. */
  finished(m: object, size: number): void {
    this.under.delete(m);
    this.done += 1;
    this.bytesDone += known(size);
    if (this.run.signal.aborted) throw new Stopped('stopped by request');
    this.show();
  }

  /** The copy is over: nothing of it is shown late. */
  end(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Now, or once the interval is over: the last state is always shown, a stalled download where it stalled. */
  private show(): void {
    if (!this.run.onProgress && this.quiet) return;
    const wait = this.lastMs + (this.run.onProgress ? EVENT_EVERY_MS : LINE_EVERY_MS) - Date.now();
    if (wait > 0) {
      this.timer ??= setTimeout(() => this.emit(), wait).unref();
      return;
    }
    this.emit();
  }

  private emit(): void {
    this.end();
    this.lastMs = Date.now();
    const { user, folder, done, total, bytesTotal } = this;
    const bytesDone = [...this.under.values()].reduce((n, b) => n + b, this.bytesDone);
    if (this.run.onProgress) this.run.onProgress({ user, folder, done, total, bytesDone, bytesTotal });
    else
      process.stderr.write(
        `${user} ${folder}: ${done}/${plural(total, 'message')}, ${formatBytes(bytesDone)} of ${formatBytes(bytesTotal)}\n`,
      );
  }
}
