import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FolderError } from '../errors.js';
import type { JobKind } from '../jobs/run-job.js';
import type { UserJob } from '../user-job.js';
import { STOP_GRACE_MS } from '../limits.js';
import type { ProgressEvent, RunContext } from '../run-context.js';
import type { UserReport } from '../report/types.js';
import type { Owner } from './owner.js';
import { errorFromWire, type WireError } from './worker-error.js';

/** What the worker sends back: a report, or its error with class, context and causes (worker-error.ts). */
type WorkerAnswer = { report: UserReport } | { error: WireError };

/** One job for the worker (with the password: never in argv or env), and whom it must be running as. */
export interface WorkerOrder {
  kind: JobKind;
  job: UserJob;
  owner: Owner;
}

/** Parent to worker: an order, or a request to stop the job under way at its next safe point. */
export type ParentMessage = WorkerOrder | { stop: true };

/** Worker to parent: progress of the job under way, or its answer. */
export type WorkerMessage = WorkerAnswer | { progress: ProgressEvent };

/**
 * A worker process bound to one mailbox owner (as root, a batch's accounts run in these): it
 * drops to the owner with its first job and then serves job after job, one at a time, so that
 * process start and module loading are paid once per worker, not once per account and command.
 */
export class OwnerWorker {
  private readonly child: ChildProcess;
  private exited = false;
  private readonly exit: Promise<void>;
  /** The job under way: how to end it when the worker dies without answering. */
  private pending: ((death: string) => void) | undefined;

  constructor(readonly owner: Owner) {
    // The environment holds no password by now (batch/lanes.ts forgets it before any lane starts).
    this.child = fork(fileURLToPath(new URL('./worker.js', import.meta.url)), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exit = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        this.pending?.(signal ?? `exit ${code}`);
        resolve();
      });
    });
    // A failed spawn or send is followed by 'exit' (or is one): the job is ended there.
    this.child.on('error', () => undefined);
  }

  /** Whether it can take another job: alive, and running as `owner`. */
  serves(owner: Owner): boolean {
    return !this.exited && this.owner.uid === owner.uid && this.owner.gid === owner.gid;
  }

  /** One job, as the owner; its report, or its error as the class it was (exit codes stay). */
  async run(kind: JobKind, job: UserJob, ctx: RunContext): Promise<UserReport> {
    const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
      let grace: NodeJS.Timeout | undefined;
      const stop = () => {
        if (this.child.connected) this.child.send({ stop: true } satisfies ParentMessage);
        // Stopping waits for the next message written; a job between messages (listing, matching,
        // verify) writes nothing half, so after a grace period it is ended outright (SIGKILL: its
        // SIGTERM is a stop at the next safe point, like this message).
        grace = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS).unref();
      };
      const done = () => {
        clearTimeout(grace);
        ctx.signal.removeEventListener('abort', stop);
        this.child.off('message', onMessage);
        this.pending = undefined;
      };
      const onMessage = (m: WorkerMessage) => {
        if ('progress' in m) return ctx.onProgress?.(m.progress);
        done();
        resolve(m);
      };
      this.pending = (death) => {
        done();
        reject(new FolderError(`worker for ${job.user} ended without an answer (${death})`, { user: job.user }));
      };
      if (this.exited) return this.pending('it had ended before');
      this.child.on('message', onMessage);
      if (ctx.signal.aborted) stop();
      ctx.signal.addEventListener('abort', stop, { once: true });
      this.child.send({ kind, job, owner: this.owner } satisfies ParentMessage);
    });
    if ('report' in answer) return answer.report;
    throw errorFromWire(answer.error);
  }

  /** Lets it go: it exits once the channel closes (worker.ts); resolves when it has. */
  close(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    return this.exit;
  }
}
