// What a command does once its command line is parsed. main.ts loads this module only then, so
// that --help, --version and usage errors do not wait for imapflow and the rest to load.

import { UsageError } from '../errors.js';
import type { JobKind } from '../commands/run-job.js';
import { renderText } from '../report/text.js';
import { batchExitCode, runBatch, runOne, type UserOutcome } from './batch.js';
import { jobFromArgs, sharedJobFromArgs, type CommonArgs, type SharedArgs } from './options.js';
import { readUsersFile } from './users-file.js';

const warn = (line: string) => process.stderr.write(`qmail-import: ${line}\n`);

export type RunArgs = SharedArgs & { json: boolean; verbose: boolean };

function modelWarning(qmailPop3d: string | undefined, kinds: readonly JobKind[]): void {
  if (kinds.includes('verify') && !qmailPop3d)
    warn(
      'WARNING: no qmail-pop3d found (--qmail-pop3d, $QMAIL_POP3D, /var/qmail/bin/qmail-pop3d): its listing is modelled from its rules, not run',
    );
}

function print(outcome: UserOutcome, verbose: boolean): void {
  process.stderr.write(
    'report' in outcome ? renderText(outcome.report, verbose) : `qmail-import: ${outcome.error.message}\n`,
  );
}

function printJson(command: string, exitCode: number, outcomes: UserOutcome[]): void {
  const users = outcomes.map((o) => ('report' in o ? o.report : { user: o.user, kind: o.kind, error: o.error }));
  process.stdout.write(`${JSON.stringify({ command, exitCode, users }, null, 2)}\n`);
}

export async function oneUser(kind: JobKind, args: RunArgs & CommonArgs): Promise<number> {
  const job = jobFromArgs(args, process.env, warn);
  modelWarning(job.qmailPop3d, [kind]);
  const outcome = await runOne(kind, job, args.owner);
  print(outcome, args.verbose);
  if (args.json) printJson(kind, outcome.exitCode, [outcome]);
  return outcome.exitCode;
}

export async function batch(args: RunArgs & { users: string; jobs: number; mode: string }): Promise<number> {
  if (!Number.isInteger(args.jobs) || args.jobs < 1)
    throw new UsageError('--jobs must be a whole number of at least 1');
  const kinds: JobKind[] = args.mode === 'both' ? ['import', 'verify'] : [args.mode as JobKind];
  const users = readUsersFile(args.users, warn);
  const { shared, password } = sharedJobFromArgs(args, process.env, warn);
  modelWarning(shared.qmailPop3d, kinds);
  let finished = 0;
  const outcomes = await runBatch(users, kinds, shared, password, { jobs: args.jobs, owner: args.owner }, (o) => {
    if (o.kind === kinds[kinds.length - 1] || 'error' in o) finished += 1;
    print(o, args.verbose);
    if (!args.quiet && users.length > 1) process.stderr.write(`qmail-import: ${finished}/${users.length} users done\n`);
  });
  const exitCode = batchExitCode(outcomes);
  const attention = outcomes.filter((o) => o.exitCode !== 0).map((o) => `${o.user} ${o.kind} exit ${o.exitCode}`);
  const named =
    attention.length > 10
      ? [...attention.slice(0, 10), `… ${attention.length - 10} more (--json lists all)`]
      : attention;
  const attentionUsers = new Set(outcomes.filter((o) => o.exitCode !== 0).map((o) => o.user)).size;
  process.stderr.write(
    `batch: ${users.length} users, ${attentionUsers} need attention${named.length ? `: ${named.join(', ')}` : ''}\n`,
  );
  if (args.json) printJson('batch', exitCode, outcomes);
  return exitCode;
}
