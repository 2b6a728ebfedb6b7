import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FolderError } from '../errors.js';
import type { JobKind } from '../commands/run-job.js';
import type { UserJob } from '../commands/user-job.js';
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
}

/**
 * Runs one user's job as the mailbox owner. As root, the work runs in a child process that drops
 * to the owner's uid, gid and groups before it touches anything, so every file is created by the
 * owner (never written as root and chowned). Otherwise it runs here, as whoever we are.
 */
export async function runAsOwner(kind: JobKind, job: UserJob, ownerSpec: string | undefined): Promise<UserReport> {
  // Loaded only here: as root the work (and imapflow) runs in the worker, not in this process.
  if (process.getuid?.() !== 0) return (await import('../commands/run-job.js')).runJob(kind, job);
  const owner = resolveOwner(ownerSpec, job.maildir);
  const answer = await inWorker({ kind, job, owner });
  if ('report' in answer) return answer.report;
  throw errorFromWire(answer.error);
}

function inWorker(order: WorkerOrder): Promise<WorkerAnswer> {
  const env = { ...process.env };
  delete env.QMAIL_IMPORT_PASSWORD;
  const child = fork(fileURLToPath(new URL('./worker.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env,
  });
  return new Promise((resolve, reject) => {
    let answer: WorkerAnswer | undefined;
    child.on('message', (m) => (answer = m as WorkerAnswer));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
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
