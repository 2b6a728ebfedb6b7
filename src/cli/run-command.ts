// What a command does once its command line is parsed. main.ts loads this module only then, so
// that --help, --version and usage errors do not wait for imapflow and the rest to load.

import type { JobKind } from '../jobs/run-job.js';
import { STOP_GRACE_MS } from '../limits.js';
import { renderText } from '../report/text.js';
import { runOne, type UserOutcome } from '../batch/lanes.js';
import type { BatchArgs } from './batch-command.js';
import { interruptedText, onStopSignals, STOP_SIGNALS, type StopSignal } from '../jobs/exit-codes.js';
import { load } from './load.js';
import { jobFromArgs, type CommonArgs, type SharedArgs } from './options.js';

const warn = (line: string) => process.stderr.write(`qmail-import: ${line}\n`);

function modelWarning(qmailPop3d: string | undefined, kinds: readonly JobKind[]): void {
  if (kinds.includes('verify') && !qmailPop3d)
    warn(
      'WARNING: no qmail-pop3d found (--qmail-pop3d, $QMAIL_POP3D, /var/qmail/bin/qmail-pop3d): its listing is modelled from its rules, not run',
    );
}

/** The human report on stdout, where `| tee run.log` catches it; with --json stdout is the JSON's,
 *  so the text goes to stderr. An account's error is on stderr either way. */
function print(outcome: UserOutcome, args: SharedArgs): void {
  if ('error' in outcome) process.stderr.write(`qmail-import: ${outcome.error.message}\n`);
  else (args.json ? process.stderr : process.stdout).write(renderText(outcome.report, args.verbose));
}

function printJson(command: string, exitCode: number, outcomes: UserOutcome[]): void {
  const users = outcomes.map((o) => ('report' in o ? o.report : { user: o.user, kind: o.kind, error: o.error }));
  process.stdout.write(`${JSON.stringify({ command, exitCode, users }, null, 2)}\n`);
}

export async function oneUser(kind: JobKind, args: CommonArgs): Promise<number> {
  const job = jobFromArgs(args, process.env, warn);
  modelWarning(job.qmailPop3d, [kind]);
  // An import stops at its next safe point, as a batch's accounts do, and still reports what it
  // wrote; a step with no such point (listing, matching) is ended after a grace period. verify and
  // check write nothing: main.ts ends them at once.
  let stoppedBy: StopSignal | undefined;
  const stop = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  const offSignals =
    kind === 'import'
      ? onStopSignals((signal) => {
          stoppedBy = signal;
          stop.abort();
          grace = setTimeout(() => {
            warn(interruptedText(signal));
            process.exit(STOP_SIGNALS[signal]);
          }, STOP_GRACE_MS).unref();
        })
      : () => undefined;
  try {
    const outcome = await runOne(kind, job, args.owner, { signal: stop.signal });
    const exitCode = stoppedBy ? STOP_SIGNALS[stoppedBy] : outcome.exitCode;
    print(outcome, args);
    if (stoppedBy) warn(interruptedText(stoppedBy));
    if (args.json) printJson(kind, exitCode, [outcome]);
    return exitCode;
  } finally {
    clearTimeout(grace);
    offSignals();
  }
}

/** batch: its own module (cli/batch-command.ts), with this module's warnings; loaded only for a
 *  batch, since its live view (log-update) costs a one-user run's start as much as its own code. */
export async function batchCommand(args: BatchArgs): Promise<number> {
  const { batch } = await load('the batch command', () => import('./batch-command.js'));
  return batch(args, { warn, modelWarning });
}
