import { Stopped, type RunContext } from '../run-context.js';

/** A batch watching every user at once takes events often enough for a live view to move. */
const EVENT_EVERY_MS = 500;
/** Lines on stderr: one every few seconds is enough for a person watching. */
const LINE_EVERY_MS = 2000;

/**
 * One folder's copy as it goes: a progress event or stderr line now and then (none when quiet),
 * and the run's stop honoured between two messages, which is a safe point (docs/write-path.md).
 */
export class Progress {
  private lastMs = Date.now();

  constructor(
    private readonly run: RunContext,
    private readonly user: string,
    private readonly folder: string,
    private readonly quiet: boolean,
  ) {}

  update(done: number, total: number): void {
    if (this.run.signal.aborted) throw new Stopped('stopped by request');
    const now = Date.now();
    if (now - this.lastMs < (this.run.onProgress ? EVENT_EVERY_MS : LINE_EVERY_MS)) return;
    this.lastMs = now;
    if (this.run.onProgress) this.run.onProgress({ user: this.user, folder: this.folder, done, total });
    else if (!this.quiet) process.stderr.write(`${this.user} ${this.folder}: ${done}/${total} messages\n`);
  }
}
