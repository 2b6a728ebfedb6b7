import fs from 'node:fs';
import { FolderError, ImportError } from '../errors.js';
import type { JobKind } from '../jobs/run-job.js';
import type { SharedJob, UserJob } from '../user-job.js';
import type { ProgressEvent, RunContext } from '../run-context.js';
import type { UserReport } from '../report/types.js';
import type { Account } from './accounts.js';
import { exitCodeForError, exitCodeForReport } from '../jobs/exit-codes.js';
import { OwnerWorker } from '../owner/owner-worker.js';
import { withOwner } from '../owner/owner.js';
import { forgetEnvPassword, runAsOwner } from '../owner/run-as-owner.js';

/** One user's outcome in a run: a report per command, or the error that stopped it. */
export type UserOutcome = { user: string; kind: JobKind; exitCode: number } & (
  { report: UserReport } | { error: { type: string; message: string } }
);

/** What became of one account: its outcomes, and whether Ctrl-C cut it short. */
export interface AccountResult {
  outcomes: UserOutcome[];
  interrupted: boolean;
}

/** Whom a batch tells as it goes (its live view and logs), and the Ctrl-C that stops it. */
export interface BatchWatch {
  onStart: (i: number) => void;
  onProgress: (i: number, event: ProgressEvent) => void;
  onOutcome: (i: number, outcome: UserOutcome) => void;
  stop: AbortSignal;
}

/**
 * Runs `kinds` (import, verify, or import then verify) for every account, `jobs` at a time, each
 * as its Maildir's owner. An account's failure is recorded and the others go on. After Ctrl-C no
 * account starts and running ones stop at a safe point. An account never started has no result.
 * As root each of the `jobs` lanes keeps one worker process for its owner (vpopmail: one owner
 * for all) and hands it account after account; a worker that dies fails its account alone, and
 * the lane starts a new one for the next.
 */
export async function runBatch(
  accounts: readonly (Account & { password: string })[],
  kinds: readonly JobKind[],
  shared: SharedJob,
  options: { jobs: number; owner?: string },
  watch: BatchWatch,
): Promise<(AccountResult | undefined)[]> {
  const results: (AccountResult | undefined)[] = new Array(accounts.length).fill(undefined);
  forgetEnvPassword();
  let next = 0;
  const lane = async () => {
    let worker: OwnerWorker | undefined;
    const run: JobRunner = async (kind, job, ctx) => {
      const owned = withOwner(kind, job, options.owner);
      // check writes nothing: it runs here, as root or not. run-job (and imapflow) is loaded only
      // then: as root the work runs in the workers, not in this process.
      if (kind === 'check' || !owned.owner) return (await import('../jobs/run-job.js')).runJob(kind, owned, ctx);
      const owner = owned.owner;
      if (!worker?.serves(owner)) {
        await worker?.close();
        worker = new OwnerWorker(owner);
      }
      return worker.run(kind, owned, ctx);
    };
    try {
      while (next < accounts.length && !watch.stop.aborted) {
        const i = next++;
        const account = accounts[i] as Account & { password: string };
        const result: AccountResult = { outcomes: [], interrupted: false };
        results[i] = result;
        watch.onStart(i);
        const ctx: RunContext = { signal: watch.stop, onProgress: (e) => watch.onProgress(i, e) };
        for (const kind of kinds) {
          const outcome = await runAccount(kind, account, shared, (k, job) => run(k, job, ctx));
          result.outcomes.push(outcome);
          // Partial: the stop cut a command short (its report says where, or it ended in an error
          // once the stop was asked for) or kept one from running; a command that finished in the
          // meantime is done.
          result.interrupted ||=
            'report' in outcome
              ? outcome.report.kind === 'import' && outcome.report.stopped !== undefined
              : watch.stop.aborted;
          watch.onOutcome(i, outcome);
          // A failed import (no report) leaves nothing to verify; a partial one still gets verified.
          if ('error' in outcome || watch.stop.aborted) break;
        }
        if (result.outcomes.length < kinds.length && watch.stop.aborted) result.interrupted = true;
      }
    } finally {
      await worker?.close();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, accounts.length)) }, lane));
  return results;
}

/** Runs one command of one user somewhere (here, or in the lane's worker): its report, or throws. */
type JobRunner = (kind: JobKind, job: UserJob, ctx: RunContext) => Promise<UserReport>;

function runAccount(
  kind: JobKind,
  account: Account & { password: string },
  shared: SharedJob,
  run: (kind: JobKind, job: UserJob) => Promise<UserReport>,
): Promise<UserOutcome> {
  if (account.maildir === undefined) {
    const err = new FolderError(account.problem ?? 'no Maildir', { user: account.name });
    return Promise.resolve({ user: account.login, kind, exitCode: exitCodeForError(err), error: errorOf(err) });
  }
  const job: UserJob = { ...shared, user: account.login, maildir: account.maildir, password: account.password };
  return outcomeOf(kind, job, run);
}

/** One user and command (import, verify), in this process as the owner: see run-as-owner.ts. */
export function runOne(kind: JobKind, job: UserJob, owner: string | undefined, ctx: RunContext): Promise<UserOutcome> {
  return outcomeOf(kind, job, (k, j) => runAsOwner(k, j, owner, ctx));
}

/** Never throws for a user's own trouble, so one user cannot stop the run. */
async function outcomeOf(
  kind: JobKind,
  job: UserJob,
  run: (kind: JobKind, job: UserJob) => Promise<UserReport>,
): Promise<UserOutcome> {
  try {
    const report = await run(kind, job.maildirLinkOk ? { ...job, maildir: resolveLink(job.maildir) } : job);
    return { user: job.user, kind, exitCode: exitCodeForReport(report), report };
  } catch (err) {
    return { user: job.user, kind, exitCode: exitCodeForError(err), error: errorOf(err) };
  }
}

function errorOf(err: unknown): { type: string; message: string } {
  const message = err instanceof ImportError ? err.message : `internal error: ${(err as Error).message}`;
  return { type: (err as Error).name, message };
}

/** The Maildir path with a symlink at its end resolved (--allow-symlinked-maildir); unchanged if it does not exist yet. */
function resolveLink(maildir: string): string {
  try {
    return fs.realpathSync(maildir);
  } catch {
    return maildir;
  }
}
