import type { UserReport } from '../report/types.js';
import { checkUser } from './check-user.js';
import { importUser } from './import-user.js';
import type { UserJob } from './user-job.js';
import { verifyUser } from './verify-user.js';

export type JobKind = 'import' | 'verify' | 'check';

const JOBS: Record<JobKind, (job: UserJob) => Promise<UserReport>> = {
  import: importUser,
  verify: verifyUser,
  check: checkUser,
};

/** The per-user work of each command, run in-process or in the owner's worker process; the
 *  report says how long it took and how much memory the process peaked at. */
export async function runJob(kind: JobKind, job: UserJob): Promise<UserReport> {
  const startedMs = Date.now();
  const report = await JOBS[kind](job);
  return {
    ...report,
    resources: {
      seconds: (Date.now() - startedMs) / 1000,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    },
  };
}
