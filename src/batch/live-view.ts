import { createLogUpdate } from 'log-update';
import { STATUS_LINE_EVERY_MS } from '../limits.js';
import type { ProgressEvent } from '../report/progress.js';
import { mb } from './summary.js';

/** One running account as the view shows it: its current folder and count. */
interface Running {
  folder?: string;
  done: number;
  total: number;
  /** Messages of folders finished before the current one. */
  earlier: number;
}

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
    this.running.set(account, { done: 0, total: 0, earlier: 0 });
  }

  progress(account: string, login: string, e: ProgressEvent): void {
    const r = this.running.get(account);
    if (!r) return;
    const folder = e.label.slice(login.length + 1);
    if (r.folder !== undefined && r.folder !== folder) r.earlier += r.done;
    Object.assign(r, { folder, done: e.done, total: e.total });
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
    const inFlight = [...this.running.values()].reduce((n, r) => n + r.earlier + r.done, 0);
    const waiting = this.total - this.finished - this.running.size;
    const eta = this.finished > 0 ? duration((seconds / this.finished) * (this.total - this.finished)) : '?';
    const head =
      `${this.command}: ${this.finished}/${this.total} accounts done, ${this.needAttention} need attention, ` +
      `${this.running.size} running, ${waiting} waiting; ${((this.messages + inFlight) / seconds).toFixed(0)} msg/s, ` +
      `${mb(this.bytes / seconds)} MB/s, ETA ${eta}`;
    const rows = [...this.running].map(([account, r]) =>
      r.folder === undefined ? `  ${account}: starting` : `  ${account}: ${r.folder} ${r.done}/${r.total}`,
    );
    return [head, ...rows];
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
 * `note` prints a line that stays (an account that needs attention) above the live area.
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

  note(line: string): void {
    if (this.mode !== 'off') this.print(`${line}\n`, process.stderr);
  }

  /** Text the run prints whatever the mode (a check's findings), above the live area. */
  print(text: string, stream: NodeJS.WriteStream): void {
    this.draw?.clear();
    stream.write(text);
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
