import { FolderError } from '../errors.js';

/** One step of a folder's import, for whoever watches a whole batch (its live view). */
export interface ProgressEvent {
  /** "USER FOLDER", as the Progress was named. */
  label: string;
  done: number;
  total: number;
}

/** A batch watching every user at once takes events often enough for a live view to move. */
const SINK_EVERY_MS = 500;

let sink: ((event: ProgressEvent) => void) | undefined;
let stopRequested = false;

/** Sends progress to `to` (a batch's live view, or the worker's parent) instead of stderr lines. */
export function setProgressSink(to: ((event: ProgressEvent) => void) | undefined): void {
  sink = to;
}

/**
 * Ctrl-C in a batch: the next message finished ends the folder's import there. That point is
 * safe: the message is complete and journaled, the writes under way finish, and the lock and
 * journal close as on a dropped connection; a re-run goes on from there.
 */
export function requestStop(): void {
  stopRequested = true;
}

/** A new job starts with no stop pending (a batch's worker serves one job after another). */
export function clearStop(): void {
  stopRequested = false;
}

/** The user's import ends here, not just this folder's: no other folder is started after it. */
export class StopRequested extends FolderError {}

/** Progress lines on stderr for long runs: at most one every few seconds, nothing when quiet. */
export class Progress {
  private lastMs = Date.now();

  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly everyMs = 2000,
  ) {}

  update(done: number, total: number): void {
    if (stopRequested) throw new StopRequested('stopped by request', { user: this.label });
    const now = Date.now();
    if (now - this.lastMs < (sink ? SINK_EVERY_MS : this.everyMs)) return;
    this.lastMs = now;
    if (sink) sink({ label: this.label, done, total });
    else if (this.enabled) process.stderr.write(`${this.label}: ${done}/${total} messages\n`);
  }
}
