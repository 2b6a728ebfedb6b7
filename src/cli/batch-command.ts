import os from 'node:os';
import { UsageError } from '../errors.js';
import type { JobKind } from '../jobs/run-job.js';
import {
  batchExitCode,
  needsAttention,
  renderSummaryText,
  summaryRow,
  summaryTotals,
  totalsLine,
  type SummaryRow,
} from '../batch/summary.js';
import { BatchState, LiveView } from '../batch/live-view.js';
import { RunLog, runHeading, type RunInfo } from '../batch/run-log.js';
import { repairLines, retryLine } from '../batch/repair-hint.js';
import { planBytes, renderText } from '../report/text.js';
import { formatBytes, plural } from '../report/text-parts.js';
import { shellWord } from '../shell-word.js';
import type { QuotaReport } from '../report/types.js';
import { accountsFromLines, accountsFromVpopmail, checkLoginFormat, type Account } from '../batch/accounts.js';
import { runBatch, type AccountResult, type UserOutcome } from '../batch/lanes.js';
import type { BatchOnlyArgs } from './option-definitions.js';
import { onStopSignals, STOP_SIGNALS, type StopSignal } from '../jobs/exit-codes.js';
import { sharedJobFromArgs, type SharedArgs } from './options.js';
import { promptPassword } from './password-prompt.js';
import { readUsersFile } from '../batch/users-file.js';
import { vpopmailHome } from '../batch/vpopmail.js';
import { VERSION } from './version.js';

/** batch's options; check of a users file runs as a batch too, in mode 'check'. */
export type BatchArgs = SharedArgs &
  Omit<BatchOnlyArgs, 'mode'> & {
    mode: BatchOnlyArgs['mode'] | 'check';
  };

/** What the batch needs from the CLI around it. */
export interface BatchIo {
  warn: (line: string) => void;
  modelWarning: (qmailPop3d: string | undefined, kinds: readonly JobKind[]) => void;
}

/**
 * The batch command: every account of a users file or of vpopmail, `--jobs` at a time, with a
 * live view, a log directory, a summary and failed.txt; the exit code of the whole night.
 */
export async function batch(args: BatchArgs, io: BatchIo): Promise<number> {
  if (!Number.isInteger(args.jobs) || args.jobs < 1)
    throw new UsageError('--jobs must be a whole number of at least 1');
  checkLoginFormat(args.loginFormat);
  const named = [args.users, args.domain, args.allVpopmail || undefined].filter((s) => s !== undefined).length;
  if (named !== 1) throw new UsageError('name the accounts one way: --users FILE, --domain D or --all-vpopmail');
  if (args.users === undefined && args.adminUser === undefined)
    throw new UsageError('--domain and --all-vpopmail log in with --admin-user on behalf of each account');
  // A dry run writes nothing, so there is nothing of it to verify: it plans and stops.
  const kinds: JobKind[] = args.mode === 'both' ? (args.dryRun ? ['import'] : ['import', 'verify']) : [args.mode];
  const accounts = listAccounts(args);
  if (accounts.length === 0) throw new UsageError('no accounts to work on');
  const { shared, password } = sharedJobFromArgs(args, process.env, io.warn);
  const ready = await withPasswords(accounts, password, args.adminUser);
  io.modelWarning(shared.qmailPop3d, kinds);
  const startedMs = Date.now();
  const name = commandName(args);
  // A check is a look: it leaves no log directory behind unless one is asked for.
  const log =
    args.mode === 'check' && args.logDir === undefined
      ? undefined
      : RunLog.create(args.logDir, runInfo(new Date(startedMs)));
  const state = new BatchState(accounts.length, startedMs, name);
  const view = new LiveView(args.quiet || args.json ? 'off' : process.stderr.isTTY ? 'tty' : 'lines', state);
  // The report on stdout, where `| tee night.log` catches it; with --json stdout is the JSON's.
  const out = args.json ? process.stderr : process.stdout;
  const logs = accounts.map((a) => log?.accountLog(a.name));
  const stop = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const offSignals = onStopSignals((signal) => {
    stoppedBy = signal;
    view.note(
      `${name}: ${signal}${signal === 'SIGINT' ? ' (Ctrl-C)' : ''}: no new accounts start; running ones stop at their next safe point (a second signal: at once)`,
    );
    stop.abort();
  });
  view.start();
  let results: (AccountResult | undefined)[];
  try {
    results = await runBatch(
      ready,
      kinds,
      { ...shared, quiet: true },
      { jobs: args.jobs, owner: args.owner },
      {
        onStart: (i) => {
          const a = accounts[i] as Account;
          state.start(a.name);
          logs[i]?.(
            `${a.name}: login ${shared.admin ? `${shared.admin} for ${a.login}` : a.login}; Maildir ${a.maildir ?? '(none)'} (${a.how})`,
          );
        },
        onProgress: (i, e) => state.progress((accounts[i] as Account).name, e),
        onOutcome: (i, o) => {
          const a = accounts[i] as Account;
          logs[i]?.(logText(o));
          const attention = `${a.name}: ${o.kind} exit ${o.exitCode}${'error' in o ? `: ${o.error.message}` : ''}`;
          // A check's findings are its report: each account's lines as `check --user` prints them.
          if (args.mode === 'check' && 'report' in o) view.print(out, renderText(o.report, args.verbose).trimEnd());
          else if (o.exitCode !== 0) view.print(out, attention);
          if ('error' in o || o.kind === kinds[kinds.length - 1])
            state.finish(
              a.name,
              'report' in o && o.report.kind === 'import' ? (o.report.written ?? none) : none,
              o.exitCode === 0,
            );
        },
        stop: stop.signal,
      },
    );
  } finally {
    view.stop();
  }
  try {
    return finish(args, log, out, accounts, results, (Date.now() - startedMs) / 1000, stoppedBy);
  } finally {
    offSignals();
  }
}

const none = { messages: 0, bytes: 0 };

/** What the run's own lines are headed with: check runs as a batch, but is not one to its reader. */
function commandName(args: BatchArgs): 'batch' | 'check' {
  return args.mode === 'check' ? 'check' : 'batch';
}

/** This run as its logs and summaries begin: the command line (only cli/ reads argv), version, host, start. */
function runInfo(started: Date): RunInfo {
  return {
    command: ['qmail-import', ...process.argv.slice(2)].map(shellWord).join(' '),
    version: VERSION,
    host: os.hostname(),
    startedAt: started.toISOString(),
  };
}

function listAccounts(args: BatchArgs): Account[] {
  let home: string | undefined;
  const vhome = () => (home ??= vpopmailHome(args.vpopmailHome));
  if (args.users !== undefined) return accountsFromLines(readUsersFile(args.users), args.loginFormat, vhome);
  return accountsFromVpopmail(args.allVpopmail ? 'all' : (args.domain ?? '').split(','), args.loginFormat, vhome());
}

/** Every account with its password: its own line's, the run's, or one asked for on the terminal. */
async function withPasswords(
  accounts: readonly Account[],
  runPassword: string | undefined,
  admin: string | undefined,
): Promise<(Account & { password: string })[]> {
  const missing = accounts.find((a) => a.password === undefined);
  let password = runPassword;
  if (missing && password === undefined)
    password = await promptPassword(
      admin ? `password of ${admin}: ` : `password for the accounts the users file gives none (${missing.name}, ...): `,
      admin
        ? '--admin-user and --admin-password-file go together'
        : `${missing.how} (${missing.name}) gives no password, and there is no --password-file or QMAIL_IMPORT_PASSWORD`,
    );
  return accounts.map((a) => ({ ...a, password: a.password ?? (password as string) }));
}

/** One command's outcome in the account's log: the full report, or the error. */
function logText(o: UserOutcome): string {
  const body = 'report' in o ? renderText(o.report, true) : `${o.error.type}: ${o.error.message}\n`;
  return `${o.kind} exit ${o.exitCode}\n${body}`;
}

/** Accounts named on a closing line: ten, then how many more (summary.txt has them all). */
function firstTen(items: readonly string[]): string[] {
  return items.length > 10 ? [...items.slice(0, 10), `… ${items.length - 10} more`] : [...items];
}

/** Closing lines for what the admin asked for or must know, though no account failed over it. */
function limitLines(rows: readonly SummaryRow[], dryRun: boolean): string {
  const tooBig = rows.filter((r) => r.overMaxSize > 0);
  const overQuota = rows.filter((r) => r.quota?.over);
  const total = tooBig.reduce((n, r) => n + r.overMaxSize, 0);
  return (
    (tooBig.length
      ? `batch: ${plural(total, 'message')} over --max-size ${dryRun ? 'would not be' : 'not'} copied (a run without it copies them): ${firstTen(tooBig.map((r) => `${r.account} (${r.overMaxSize})`)).join(', ')}\n`
      : '') +
    (overQuota.length
      ? `batch: ${dryRun ? 'would end over quota (all mail is copied; the box would refuse new mail for them)' : 'over quota (all mail copied; the box refuses new mail for them)'}: ${firstTen(overQuota.map((r) => `${r.account} (${quotaText(r.quota as QuotaReport)})`)).join(', ')}\n`
      : '')
  );
}

function quotaText(q: QuotaReport): string {
  return q.limitBytes !== null && q.usedBytes > q.limitBytes
    ? `${formatBytes(q.usedBytes)} of ${formatBytes(q.limitBytes)}`
    : `${q.usedMessages} of ${plural(q.limitMessages as number, 'message')}`;
}

/** Summary (text and JSON), failed.txt, the closing lines; the exit code of the whole run. */
function finish(
  args: BatchArgs,
  log: RunLog | undefined,
  out: NodeJS.WritableStream,
  accounts: readonly Account[],
  results: readonly (AccountResult | undefined)[],
  seconds: number,
  stoppedBy: StopSignal | undefined,
): number {
  const rows = accounts.map((a, i) => summaryRow(a, results[i]));
  const imports = args.mode === 'import' || args.mode === 'both';
  const totals = summaryTotals(rows, seconds);
  const exitCode = stoppedBy ? STOP_SIGNALS[stoppedBy] : batchExitCode(rows);
  const failed = accounts.filter((_, i) => needsAttention(rows[i] as (typeof rows)[number]));
  const name = commandName(args);
  log?.write('summary.txt', `${runHeading(log.run)}\n${renderSummaryText(rows, totals, imports)}`);
  const doc = {
    command: name,
    run: log?.run ?? null,
    exitCode,
    stoppedBy: stoppedBy ?? null,
    logDir: log?.dir ?? null,
    totals,
    accounts: rows,
  };
  log?.write('summary.json', `${JSON.stringify(doc, null, 2)}\n`);
  const failedFile = log?.write('failed.txt', failed.map((a) => `${a.usersLine}\n`).join(''));
  const shown = firstTen(
    rows
      .filter(needsAttention)
      .map((r) => `${r.account} (${r.status}${r.exitCode === null ? '' : `, exit ${r.exitCode}`})`),
  );
  const planned = results
    .flatMap((r) => r?.outcomes ?? [])
    .flatMap((o) => ('report' in o && o.report.kind === 'import' ? [o.report] : []));
  const plan = args.dryRun
    ? `${name}: dry run: ${planned.length} planned, ${formatBytes(planned.reduce((n, r) => n + planBytes(r), 0))} to copy in total\n`
    : '';
  // Verify found differences: the retry that repairs them is an import, not the same verify again.
  const differ = rows.flatMap((r, i) => (needsAttention(r) && r.verify === 'differs' ? [results[i]] : []));
  const deletedHere = differ
    .flatMap((r) => r?.outcomes ?? [])
    .reduce(
      (n, o) => n + ('report' in o && o.report.kind === 'verify' ? (o.report.sinceImport?.deletedHere ?? 0) : 0),
      0,
    );
  const repair = failedFile ? repairLines(name, process.argv.slice(2), failedFile, differ.length, deletedHere) : [];
  out.write(
    plan +
      `${name}: ${totalsLine(totals, imports)}\n` +
      limitLines(rows, args.dryRun) +
      (shown.length ? `${name}: need attention: ${shown.join(', ')}\n` : '') +
      (totals.needAttention > differ.length && failedFile
        ? `${retryLine(name, process.argv.slice(2), failedFile)}\n`
        : '') +
      repair.map((l) => `${l}\n`).join('') +
      (log ? `${name}: logs and summary in ${log.dir}\n` : ''),
  );
  if (args.json) {
    const users = results
      .flatMap((r) => r?.outcomes ?? [])
      .map((o) => ('report' in o ? o.report : { user: o.user, kind: o.kind, error: o.error }));
    process.stdout.write(`${JSON.stringify({ ...doc, users }, null, 2)}\n`);
  }
  return exitCode;
}
