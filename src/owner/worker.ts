import process from 'node:process';
import { runJob } from '../jobs/run-job.js';
import type { ProgressEvent } from '../run-context.js';
import { becomeOwner } from './become-owner.js';
import type { Owner } from './owner.js';
import type { ParentMessage, WorkerMessage, WorkerOrder } from './owner-worker.js';
import { errorToWire } from './worker-error.js';

// A batch's worker (owner/owner-worker.ts): loaded as root, becomes the mailbox owner with its
// first job, then serves one job after another for that owner until the parent lets it go.

// The parent let go of it, or is gone (killed): stop, rather than write on with nobody to report
// to. What was written is complete; a re-run finishes the rest.
process.once('disconnect', () => process.exit(1));
// Ctrl-C and a closing terminal reach the whole process group: the parent decides, and sends
// "stop" or goes. A TERM to every process (a service manager's stop) is the parent's "stop" too.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('SIGTERM', () => stop());

let owner: Owner | undefined;
// The job under way; a stop that comes between two jobs is kept for the next one.
let current: AbortController | undefined;
let stopBetweenJobs = false;
const stop = () => {
  if (current) current.abort();
  else stopBetweenJobs = true;
};
process.on('message', (m: ParentMessage) => {
  if ('stop' in m) stop();
  else void serve(m);
});

// A parent gone meanwhile is not an error here: 'disconnect' above ends the worker.
const send = (m: WorkerMessage) => process.send?.(m, undefined, undefined, () => undefined);

async function serve(order: WorkerOrder): Promise<void> {
  if (owner === undefined) {
    try {
      becomeOwner(order.owner);
      owner = order.owner;
    } catch (err) {
      // Half dropped, the process is in no state to serve anyone: the lane starts a fresh worker.
      process.send?.({ error: errorToWire(err) } satisfies WorkerMessage, () => process.exit(1));
      return;
    }
  }
  let answer: WorkerMessage;
  const job = new AbortController();
  if (stopBetweenJobs) job.abort();
  current = job;
  try {
    if (owner.uid !== order.owner.uid || owner.gid !== order.owner.gid)
      throw new Error(`this worker runs as uid ${owner.uid}, not ${order.owner.uid}`);
    const ctx = { signal: job.signal, onProgress: (progress: ProgressEvent) => send({ progress }) };
    answer = { report: await runJob(order.kind, order.job, ctx) };
  } catch (err) {
    answer = { error: errorToWire(err) };
  } finally {
    // A stop is one job's: after it, the next order starts with none pending.
    current = undefined;
    stopBetweenJobs = false;
  }
  send(answer);
}
