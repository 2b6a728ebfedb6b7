import fs from 'node:fs';
import { ImportError, UsageError } from '../errors.js';
import type { JobKind } from '../commands/run-job.js';
import type { UserJob } from '../commands/user-job.js';
import type { UserReport } from '../report/types.js';
import { exitCodeForError, exitCodeForReport } from './exit-codes.js';
import type { SharedJob } from './options.js';
import { runAsOwner } from './run-as-owner.js';
import type { UserLine } from './users-file.js';

/** One user's outcome in a run: a report per command, or the error that stopped it. */
export type UserOutcome = { user: string; kind: JobKind; exitCode: number } & (
  { report: UserReport } | { error: { type: string; message: string } }
);

/**
 * Runs `kinds` (import, verify, or import then verify) for every user, `jobs` users at a time,
 * each as its Maildir's owner. A user's failure is recorded and the others go on; `done` is told
 * of each outcome as it comes.
 */
export async function runBatch(
  users: readonly UserLine[],
  kinds: readonly JobKind[],
  shared: SharedJob,
  defaultPassword: string | undefined,
  options: { jobs: number; owner?: string },
  done: (outcome: UserOutcome) => void,
): Promise<UserOutcome[]> {
  const missing = users.find((u) => u.password === undefined && defaultPassword === undefined);
  if (missing)
    throw new UsageError(
      `line ${missing.line} (${missing.user}) gives no password, and there is no --password-file or QMAIL_IMPORT_PASSWORD`,
    );
  const outcomes: UserOutcome[][] = new Array(users.length);
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const i = next++;
      const u = users[i] as UserLine;
      const job: UserJob = {
        ...shared,
        user: u.user,
        maildir: u.maildir,
        password: (u.password ?? defaultPassword) as string,
      };
      outcomes[i] = [];
      for (const kind of kinds) {
        const outcome = await runOne(kind, job, options.owner);
        outcomes[i].push(outcome);
        done(outcome);
        // A failed import (no report) leaves nothing to verify; a partial one still gets verified.
        if ('error' in outcome) break;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, users.length)) }, worker));
  return outcomes.flat();
}

/** One user and command: never throws for a user's own trouble, so one user cannot stop the run. */
export async function runOne(kind: JobKind, job: UserJob, owner: string | undefined): Promise<UserOutcome> {
  try {
    const report = await runAsOwner(
      kind,
      job.maildirLinkOk ? { ...job, maildir: resolveLink(job.maildir) } : job,
      owner,
    );
    return { user: job.user, kind, exitCode: exitCodeForReport(report), report };
  } catch (err) {
    const message = err instanceof ImportError ? err.message : `internal error: ${(err as Error).message}`;
    return { user: job.user, kind, exitCode: exitCodeForError(err), error: { type: (err as Error).name, message } };
  }
}

/** The Maildir path with a symlink at its end resolved (--allow-symlinked-maildir); unchanged if it does not exist yet. */
function resolveLink(maildir: string): string {
  try {
    return fs.realpathSync(maildir);
  } catch {
    return maildir;
  }
}

/** The run's exit code: the worst user's (3 source trouble > 2 bad input > 1 incomplete > 0). */
export function batchExitCode(outcomes: readonly UserOutcome[]): number {
  return outcomes.reduce((worst, o) => Math.max(worst, o.exitCode), 0);
}
