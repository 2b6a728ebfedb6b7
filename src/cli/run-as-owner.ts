import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FolderError, ImportError, MessageError, SourceError, UsageError } from '../errors.js';
import { runJob, type JobKind } from '../commands/run-job.js';
import type { UserJob } from '../commands/user-job.js';
import { STOP_GRACE_MS } from '../limits.js';
import type { ProgressEvent } from '../report/progress.js';
import type { UserReport } from '../report/types.js';
import { resolveOwner, type Owner } from './owner.js';

/** What the worker sends back: a report, or an error reduced to its class and text. */
export type WorkerAnswer = { report: UserReport } | { error: { type: string; message: string } };

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
  if (process.getuid?.() !== 0) return runJob(kind, job);
  const owner = resolveOwner(ownerSpec, job.maildir);
  const answer = await inWorker({ kind, job, owner, progress: watch !== undefined }, watch);
  if ('report' in answer) return answer.report;
  throw reviveError(answer.error);
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

const ERROR_TYPES: Record<string, new (message: string) => ImportError> = {
  UsageError,
  SourceError,
  FolderError,
  MessageError,
};

/** The worker's error as the same class here, so exit codes come out the same as in-process. */
function reviveError(e: { type: string; message: string }): Error {
  const Type = ERROR_TYPES[e.type];
  return Type ? new Type(e.message) : new Error(e.message);
}
