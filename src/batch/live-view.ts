import { createLogUpdate } from 'log-update';
import { STATUS_LINE_EVERY_MS } from '../limits.js';
import type { ProgressEvent } from '../run-context.js';
import { plural } from '../report/text-parts.js';
import { mb, needAttentionText } from './summary.js';

/** One running account as the view shows it: its current folder, count and bytes. */
interface Running {
  folder?: string;
  done: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
  /** Messages of folders finished before the current one. */
  earlier: number;
  /** Bytes of folders finished before the current one: all copied, all known. */
  earlierBytes: number;
}

const sum = (items: readonly Running[], pick: (r: Running) => number) => items.reduce((n, r) => n + pick(r), 0);
/** What a running account has copied, and what it has listed to copy so far. */
const bytesIn = (r: Running) => r.earlierBytes + r.bytesDone;
const bytesKnown = (r: Running) => r.earlierBytes + r.bytesTotal;

/** A batch as it goes: what the live view and the status lines are drawn from. */
export class BatchState {
  finished = 0;
  needAttention = 0;
  messages = 0;
  bytes = 0;
  readonly running = new Map<string, Running>();

  constructor(
    readonly total: number,
    readonly startedMs: number,
    /** The command the status line names: batch, or check of many accounts. */
    readonly command: 'batch' | 'check' = 'batch',
  ) {}

  start(account: string): void {
    this.running.set(account, { done: 0, total: 0, bytesDone: 0, bytesTotal: 0, earlier: 0, earlierBytes: 0 });
  }

  progress(account: string, e: ProgressEvent): void {
    const r = this.running.get(account);
    if (!r) return;
    if (r.folder !== undefined && r.folder !== e.folder) {
      r.earlier += r.done;
      r.earlierBytes += r.bytesTotal;
    }
    Object.assign(r, {
      folder: e.folder,
      done: e.done,
      total: e.total,
      bytesDone: e.bytesDone,
      bytesTotal: e.bytesTotal,
    });
  }

  finish(account: string, written: { messages: number; bytes: number }, clean: boolean): void {
    this.running.delete(account);
    this.finished += 1;
    if (!clean) this.needAttention += 1;
    this.messages += written.messages;
    this.bytes += written.bytes;
  }

  /** The overall line, then one per running account. */
  lines(nowMs: number): string[] {
    const seconds = Math.max(1, (nowMs - this.startedMs) / 1000);
    const running = [...this.running.values()];
    const messages = this.messages + sum(running, (r) => r.earlier + r.done);
    const bytes = this.bytes + sum(running, bytesIn);
    const waiting = this.total - this.finished - this.running.size;
    const head =
      `${this.command}: ${this.finished}/${plural(this.total, 'account')} finished, ${needAttentionText(this.needAttention)}, ` +
      `${this.running.size} running, ${waiting} waiting; ${(messages / seconds).toFixed(0)} msg/s, ` +
      `${mb(bytes / seconds)} MB/s, ETA ${this.eta(running, waiting, bytes / seconds)}`;
    const rows = [...this.running].map(([account, r]) =>
      r.folder === undefined
        ? `  ${account}: starting`
        : `  ${account}: ${r.folder} ${r.done}/${plural(r.total, 'message')}, ${mb(r.bytesDone)}/${mb(r.bytesTotal)} MB`,
    );
    return [head, ...rows];
  }

  /**
   * Time left at the byte rate so far. An account's bytes are known only as its folders are
   * listed, so what is left is what running accounts have listed and not yet copied, plus each
   * account with nothing listed yet (waiting, or starting) at the average size of the others
   * (finished ones by what they wrote, running ones by what they have listed so far).
   */
  private eta(running: readonly Running[], waiting: number, bytesPerSecond: number): string {
    if (bytesPerSecond === 0) return '?';
    const listed = running.filter((r) => r.folder !== undefined);
    const average = (this.bytes + sum(listed, bytesKnown)) / (this.finished + listed.length);
    const unlisted = waiting + running.length - listed.length;
    return duration(
      (sum(listed, (r) => Math.max(0, bytesKnown(r) - bytesIn(r))) + unlisted * average) / bytesPerSecond,
    );
  }
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Shows a batch's state on stderr: on a terminal one live area redrawn in place (log-update);
 * otherwise the overall line every STATUS_LINE_EVERY_MS; with --quiet or --json, nothing.
 * Lines that stay (a warning; a line of the report, which may go to stdout) are written above
 * the live area.
 */
export class LiveView {
  private timer?: NodeJS.Timeout;
  private readonly draw?: ReturnType<typeof createLogUpdate>;

  constructor(
    private readonly mode: 'tty' | 'lines' | 'off',
    private readonly state: BatchState,
  ) {
    if (mode === 'tty') this.draw = createLogUpdate(process.stderr);
  }

  start(): void {
    if (this.mode === 'off') return;
    const every = this.mode === 'tty' ? 250 : STATUS_LINE_EVERY_MS;
    this.timer = setInterval(() => this.render(), every);
    this.timer.unref();
  }

  /** A warning or status line (stderr), shown unless the view is off. */
  note(line: string): void {
    if (this.mode !== 'off') this.print(process.stderr, line);
  }

  /** A line of the report on `out`, always: the live area is taken away while it is written. */
  print(out: NodeJS.WritableStream, line: string): void {
    this.draw?.clear();
    out.write(`${line}\n`);
    if (this.draw) this.render();
  }

  stop(): void {
    clearInterval(this.timer);
    this.draw?.clear();
    this.draw?.done();
  }

  private render(): void {
    const lines = this.state.lines(Date.now());
    if (this.draw) this.draw(lines.slice(0, (process.stderr.rows || 24) - 2).join('\n'));
    else process.stderr.write(`${lines[0]}\n`);
  }
}
