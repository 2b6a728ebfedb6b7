import type { UserReport } from '../report/types.js';
import { importUser } from './import-user.js';
import type { UserJob } from './user-job.js';
import { verifyUser } from './verify-user.js';

export type JobKind = 'import' | 'verify';

/** The per-user work of each command, run in-process or in the owner's worker process. */
export function runJob(kind: JobKind, job: UserJob): Promise<UserReport> {
  return kind === 'import' ? importUser(job) : verifyUser(job);
}
