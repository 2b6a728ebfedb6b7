import { readFileSync } from 'node:fs';
import type { UserReport } from '../report/types.js';
import { checkUser } from './check-user.js';
import { importUser } from './import-user.js';
import type { RunContext } from '../run-context.js';
import type { UserJob } from '../user-job.js';
import { verifyUser } from './verify-user.js';

export type JobKind = 'import' | 'verify' | 'check';

const JOBS: Record<JobKind, (job: UserJob, ctx: RunContext) => Promise<UserReport>> = {
  import: importUser,
  verify: verifyUser,
  check: checkUser,
};

/** The per-user work of each command, run in-process or in the owner's worker process, with the
 *  stop and progress its starter hands in (only an import copies, so only it uses them); the
 *  report says how long it took and how much memory the process peaked at. */
export async function runJob(kind: JobKind, job: UserJob, ctx: RunContext): Promise<UserReport> {
  const startedMs = Date.now();
  const report = await JOBS[kind](job, ctx);
  return {
    ...report,
    resources: {
      seconds: (Date.now() - startedMs) / 1000,
      peakRssMiB: Math.round(peakRssKiB() / 1024),
    },
  };
}

/**
 * This process's own peak RSS. getrusage's maxRSS survives execve, so a CLI started by a big
 * process (a test runner holding a 200 MB message) would report its parent's peak; VmHWM belongs
 * to the process image, which starts afresh at exec.
 */
function peakRssKiB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // No /proc (not Linux): getrusage is the best there is.
  }
  return process.resourceUsage().maxRSS;
}
