import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FolderError, ImportError, MessageError, SourceError, UsageError } from '../errors.js';
import { runJob, type JobKind } from '../commands/run-job.js';
import type { UserJob } from '../commands/user-job.js';
import type { UserReport } from '../report/types.js';
import { resolveOwner, type Owner } from './owner.js';

/** What the worker sends back: a report, or an error reduced to its class and text. */
export type WorkerAnswer = { report: UserReport } | { error: { type: string; message: string } };

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
  // check writes nothing anywhere: no owner to become.
  if (kind === 'check' || process.getuid?.() !== 0) return runJob(kind, job);
  const owner = resolveOwner(ownerSpec, job.maildir);
  const answer = await inWorker({ kind, job, owner });
  if ('report' in answer) return answer.report;
  throw reviveError(answer.error);
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
