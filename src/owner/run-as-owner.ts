import type { JobKind } from '../jobs/run-job.js';
import type { RunContext } from '../run-context.js';
import type { UserJob } from '../user-job.js';
import type { UserReport } from '../report/types.js';
import { becomeOwner } from './become-owner.js';
import { withOwner } from './owner.js';

/**
 * Runs one user's job in this process, as the mailbox owner. As root, everything that needs root
 * is done first (passwords and CA read by the CLI, the owner looked up here, the code loaded),
 * then this process drops to the owner's uid, gid and groups for good and does the work, so
 * every file is created by the owner. Otherwise it runs as whoever we are. check writes nothing
 * anywhere: it stays who it is, and looks at the Maildir as the owner the import would become.
 */
export async function runAsOwner(
  kind: JobKind,
  job: UserJob,
  ownerSpec: string | undefined,
  ctx: RunContext,
): Promise<UserReport> {
  const owned = withOwner(kind, job, ownerSpec);
  // Loaded as root: the owner may not be able to read the installation (a checkout under /root).
  const { runJob } = await import('../jobs/run-job.js');
  forgetEnvPassword();
  if (owned.owner && kind !== 'check') becomeOwner(owned.owner);
  return runJob(kind, owned, ctx);
}

/** The password is in the job now; what we start (qmail-pop3d, imapd) must not inherit it. */
export function forgetEnvPassword(): void {
  delete process.env.QMAIL_IMPORT_PASSWORD;
}
