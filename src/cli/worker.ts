import process from 'node:process';
import { runJob } from '../commands/run-job.js';
import { requestStop, setProgressSink } from '../report/progress.js';
import type { ParentMessage, WorkerAnswer, WorkerOrder } from './run-as-owner.js';
import { errorToWire } from './worker-error.js';

// The unprivileged half of a root run: becomes the mailbox owner first, then does the work.

// The parent is gone (killed): stop too, rather than write on with nobody to report to. What was
// written is complete; a re-run finishes the rest.
process.once('disconnect', () => process.exit(1));
// Ctrl-C reaches the whole process group: the parent decides, and sends "stop" (batch) or goes.
process.on('SIGINT', () => undefined);
process.on('message', (m: ParentMessage) => {
  if ('stop' in m) requestStop();
  else start(m);
});

function start(order: WorkerOrder): void {
  void (async () => {
    let answer: WorkerAnswer;
    try {
      // process.initgroups exists on POSIX but is missing from @types/node.
      const { initgroups, setgroups, setgid, setuid } = process as NodeJS.Process & {
        initgroups?: (user: string, gid: number) => void;
      };
      if (!initgroups || !setgroups || !setgid || !setuid) throw new Error('this platform cannot change user');
      // A numeric owner with no passwd entry has no supplementary groups to take: its own gid alone.
      if (order.owner.name !== undefined) initgroups(order.owner.name, order.owner.gid);
      else setgroups([order.owner.gid]);
      setgid(order.owner.gid);
      setuid(order.owner.uid);
      if (order.progress) setProgressSink((progress) => process.send?.({ progress }));
      answer = { report: await runJob(order.kind, order.job) };
    } catch (err) {
      answer = { error: errorToWire(err) };
    }
    // exit, not just disconnect: a socket some library left open must not keep a batch waiting.
    process.send?.(answer, () => process.exit(0));
  })();
}
