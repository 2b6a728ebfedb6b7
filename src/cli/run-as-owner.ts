import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FolderError } from '../errors.js';
import type { JobKind } from '../commands/run-job.js';
import type { UserJob } from '../commands/user-job.js';
import { STOP_GRACE_MS } from '../limits.js';
import type { ProgressEvent } from '../report/progress.js';
import type { UserReport } from '../report/types.js';
import { resolveOwner, type Owner } from './owner.js';
import { errorFromWire, type WireError } from './worker-error.js';

/** What the worker sends back: a report, or its error with class, context and causes (worker-error.ts). */
export type WorkerAnswer = { report: UserReport } | { error: WireError };

/** What the parent sends the worker: the job (with the password: never in argv or env) and whom to become. */
export interface WorkerOrder {
  kind: JobKind;
  job: UserJob;
  owner: Owner;
  /** Send progress events back instead of printing progress lines (a batch's live view). */
  progress?: boolean;
}

/** Parent to worker: the order, then perhaps a request to stop at the next safe point. */
export type ParentMessage = WorkerOrder | { stop: true };

/** A batch's hold on one user's run: where progress goes, and the Ctrl-C that stops it. */
export interface RunWatch {
  onProgress: (event: ProgressEvent) => void;
  stop: AbortSignal;
}

/**
 * Runs one user's job as the mailbox owner. As root, the work runs in a child process that drops
 * to the owner's uid, gid and groups before it touches anything, so every file is created by the
 * owner (never written as root and chowned). Otherwise it runs here, as whoever we are.
 */
export async function runAsOwner(
  kind: JobKind,
  job: UserJob,
  ownerSpec: string | undefined,
  watch?: RunWatch,
): Promise<UserReport> {
  // Loaded only here: as root the work (and imapflow) runs in the worker, not in this process.
  // check writes nothing anywhere: no owner to become.
  if (kind === 'check' || process.getuid?.() !== 0) return (await import('../commands/run-job.js')).runJob(kind, job);
  const owner = resolveOwner(ownerSpec, job.maildir);
  const answer = await inWorker({ kind, job, owner, progress: watch !== undefined }, watch);
  if ('report' in answer) return answer.report;
  throw errorFromWire(answer.error);
}

function inWorker(order: WorkerOrder, watch: RunWatch | undefined): Promise<WorkerAnswer> {
  const env = { ...process.env };
  delete env.QMAIL_IMPORT_PASSWORD;
  const child = fork(fileURLToPath(new URL('./worker.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env,
  });
  return new Promise((resolve, reject) => {
    let answer: WorkerAnswer | undefined;
    child.on('message', (m: WorkerAnswer | { progress: ProgressEvent }) => {
      if ('progress' in m) watch?.onProgress(m.progress);
      else answer = m;
    });
    const stop = () => {
      if (child.connected) child.send({ stop: true } satisfies ParentMessage);
      // Stopping waits for the next message written; a job between messages (listing, matching,
      // verify) writes nothing half, so after a grace period it is ended outright.
      setTimeout(() => child.kill('SIGTERM'), STOP_GRACE_MS).unref();
    };
    if (watch?.stop.aborted) stop();
    watch?.stop.addEventListener('abort', stop, { once: true });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      watch?.stop.removeEventListener('abort', stop);
      if (answer) resolve(answer);
      else
        reject(
          new FolderError(`worker for ${order.job.user} ended without an answer (${signal ?? `exit ${code}`})`, {
            user: order.job.user,
          }),
        );
    });
    child.send(order);
  });
}
