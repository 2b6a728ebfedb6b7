#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../errors.js';
import type { JobKind } from '../commands/run-job.js';
import { formatBytes, planBytes, renderText } from '../report/text.js';
import { batchExitCode, runBatch, runOne, type UserOutcome } from './batch.js';
import { EXIT } from './exit-codes.js';
import { jobFromArgs, sharedJobFromArgs, type CommonArgs, type SharedArgs } from './options.js';
import { readUsersFile } from './users-file.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const warn = (line: string) => process.stderr.write(`qmail-import: ${line}\n`);

function connectionOptions(y: Argv) {
  return y
    .option('host', { type: 'string', describe: 'source server (IMAP and POP3)' })
    .option('imap-host', { type: 'string', describe: 'IMAP server, when not --host' })
    .option('pop3-host', { type: 'string', describe: 'POP3 server, when not --host' })
    .option('imap-port', { type: 'number', describe: 'default 993 with tls, else 143' })
    .option('pop3-port', { type: 'number', describe: 'default 995 with tls, else 110' })
    .option('security', {
      choices: ['tls', 'starttls', 'none'] as const,
      default: 'tls' as const,
      describe: 'how to protect the connections',
    })
    .option('ca-file', { type: 'string', describe: 'PEM file of a private CA to trust' })
    .option('insecure', {
      type: 'boolean',
      default: false,
      describe: 'do not check the server certificate (loud warning)',
    })
    .option('password-file', {
      type: 'string',
      describe: 'file whose first line is the password (or env QMAIL_IMPORT_PASSWORD)',
    })
    .option('admin-user', {
      type: 'string',
      describe: 'log in as this admin on behalf of each user (SASL PLAIN authzid)',
    })
    .option('admin-password-file', { type: 'string', describe: "file whose first line is the admin's password" })
    .option('apop', {
      type: 'boolean',
      default: false,
      describe: 'POP3: log in with APOP (the password never crosses the wire)',
    })
    .option('owner', { type: 'string', describe: 'USER[:GROUP] to write as when root (default: owner of the Maildir)' })
    .option('allow-symlinked-maildir', {
      type: 'boolean',
      default: false,
      describe: 'the Maildir path itself may be a symlink (links inside it are still refused)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines' })
    .option('verbose', {
      type: 'boolean',
      default: false,
      describe: 'list every message in the text report, not the first few',
    });
}

function oneUserOptions(y: Argv) {
  return connectionOptions(y)
    .option('user', { type: 'string', demandOption: true, describe: 'source login name' })
    .option('maildir', { type: 'string', demandOption: true, describe: "the user's Maildir" });
}

function importOptions(y: Argv) {
  return folderOptions(y)
    .option('uidl', {
      choices: ['auto', 'formula', 'size', 'header', 'pop3', 'off'],
      default: 'auto',
      describe: 'how to match POP3 UIDLs to IMAP messages',
    })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print the plan, write nothing' })
    .option('delete', {
      type: 'boolean',
      default: false,
      describe: 'remove imported messages the source no longer has (default: report them)',
    })
    .option('create', {
      type: 'boolean',
      default: false,
      describe: 'create the Maildir when it does not exist (otherwise that is an error: a typo in the path)',
    });
}

function folderOptions(y: Argv) {
  return y
    .option('folders', { choices: ['all', 'inbox'], default: 'all', describe: 'every folder, or the INBOX alone' })
    .option('include', {
      type: 'string',
      describe: 'only folders (besides INBOX) whose name matches this regular expression',
    })
    .option('exclude', { type: 'string', describe: 'no folders whose name matches this regular expression' });
}

function verifyOptions(y: Argv) {
  return y
    .option('qmail-pop3d', {
      type: 'string',
      describe: 'qmail-pop3d binary (default $QMAIL_POP3D, then /var/qmail/bin/qmail-pop3d)',
    })
    .option('content', {
      type: 'string',
      describe: 'also compare the bytes of N sampled messages (or "all") with the source',
    })
    .option('strict', {
      type: 'boolean',
      default: false,
      describe: 'exact comparison: mail delivered or deleted here since the import is a mismatch too',
    });
}

type RunArgs = SharedArgs & { json: boolean; verbose: boolean };

function modelWarning(qmailPop3d: string | undefined, kinds: readonly JobKind[]): void {
  if (kinds.includes('verify') && !qmailPop3d)
    warn(
      'WARNING: no qmail-pop3d found (--qmail-pop3d, $QMAIL_POP3D, /var/qmail/bin/qmail-pop3d): its listing is modelled from its rules, not run',
    );
}

/** The human report on stdout, where `| tee run.log` catches it; with --json stdout is the JSON's,
 *  so the text goes to stderr. An account's error is on stderr either way. */
function print(outcome: UserOutcome, args: RunArgs): void {
  if ('error' in outcome) process.stderr.write(`qmail-import: ${outcome.error.message}\n`);
  else report(renderText(outcome.report, args.verbose), args.json);
}

function report(text: string, json: boolean): void {
  (json ? process.stderr : process.stdout).write(text);
}

function printJson(command: string, exitCode: number, outcomes: UserOutcome[]): void {
  const users = outcomes.map((o) => ('report' in o ? o.report : { user: o.user, kind: o.kind, error: o.error }));
  process.stdout.write(`${JSON.stringify({ command, exitCode, users }, null, 2)}\n`);
}

async function oneUser(kind: JobKind, args: RunArgs & CommonArgs): Promise<number> {
  const job = jobFromArgs(args, process.env, warn);
  modelWarning(job.qmailPop3d, [kind]);
  const outcome = await runOne(kind, job, args.owner);
  print(outcome, args);
  if (args.json) printJson(kind, outcome.exitCode, [outcome]);
  return outcome.exitCode;
}

async function batch(args: RunArgs & { users: string; jobs: number; mode: string }): Promise<number> {
  if (!Number.isInteger(args.jobs) || args.jobs < 1)
    throw new UsageError('--jobs must be a whole number of at least 1');
  // A dry run writes nothing, so there is nothing of it to verify: it plans and stops.
  const kinds: JobKind[] =
    args.mode === 'both' ? (args.dryRun ? ['import'] : ['import', 'verify']) : [args.mode as JobKind];
  const users = readUsersFile(args.users, warn);
  const { shared, password } = sharedJobFromArgs(args, process.env, warn);
  modelWarning(shared.qmailPop3d, kinds);
  let finished = 0;
  const outcomes = await runBatch(users, kinds, shared, password, { jobs: args.jobs, owner: args.owner }, (o) => {
    if (o.kind === kinds[kinds.length - 1] || 'error' in o) finished += 1;
    print(o, args);
    if (!shared.quiet && users.length > 1)
      process.stderr.write(`qmail-import: ${finished}/${users.length} users done\n`);
  });
  const exitCode = batchExitCode(outcomes);
  const attention = outcomes.filter((o) => o.exitCode !== 0).map((o) => `${o.user} ${o.kind} exit ${o.exitCode}`);
  const named =
    attention.length > 10
      ? [...attention.slice(0, 10), `… ${attention.length - 10} more (--json lists all)`]
      : attention;
  const attentionUsers = new Set(outcomes.filter((o) => o.exitCode !== 0).map((o) => o.user)).size;
  const planned = args.dryRun ? dryRunTotal(outcomes) : '';
  report(
    `batch: ${users.length} users${planned}, ${attentionUsers} need attention${named.length ? `: ${named.join(', ')}` : ''}\n`,
    args.json,
  );
  if (args.json) printJson('batch', exitCode, outcomes);
  return exitCode;
}

/** ", dry run: 3 planned, 12.4 MB to copy in total" */
function dryRunTotal(outcomes: readonly UserOutcome[]): string {
  const plans = outcomes.flatMap((o) => ('report' in o && o.report.kind === 'import' ? [o.report] : []));
  const bytes = plans.reduce((n, r) => n + planBytes(r), 0);
  return `, dry run: ${plans.length} planned, ${formatBytes(bytes)} to copy in total`;
}

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await yargs(argv)
      .scriptName('qmail-import')
      .usage('$0 <command> [options]')
      .command(
        'import',
        "copy a user's mail into the Maildir, keeping POP3 UIDLs",
        (y) => importOptions(oneUserOptions(y)),
        async (a) => {
          code = await oneUser('import', a as unknown as RunArgs & CommonArgs);
        },
      )
      .command(
        'verify',
        "check that qmail-pop3d lists the Maildir exactly as the source's POP3 did",
        (y) => folderOptions(verifyOptions(oneUserOptions(y))),
        async (a) => {
          code = await oneUser('verify', { ...(a as unknown as RunArgs & CommonArgs), uidl: 'auto', dryRun: false });
        },
      )
      .command(
        'batch',
        'import and/or verify every user of a users file (USER:MAILDIR[:PASSWORD] per line)',
        (y) =>
          verifyOptions(importOptions(connectionOptions(y)))
            .option('users', { type: 'string', demandOption: true, describe: 'the users file' })
            .option('jobs', { type: 'number', default: 1, describe: 'users worked on at once' })
            .option('mode', {
              choices: ['import', 'verify', 'both'],
              default: 'both',
              describe: 'import, verify, or import then verify each user',
            }),
        async (a) => {
          code = await batch(a as unknown as RunArgs & { users: string; jobs: number; mode: string });
        },
      )
      .command(
        'check',
        'pre-flight: log in to IMAP and POP3 for one user or every user of a users file, list folders and counts, touch nothing',
        (y) =>
          connectionOptions(y)
            .option('user', { type: 'string', describe: 'source login name (or --users)' })
            .option('maildir', { type: 'string', describe: "the user's Maildir (with --user)" })
            .option('users', { type: 'string', describe: 'a users file, as for batch' })
            .option('jobs', { type: 'number', default: 1, describe: 'accounts checked at once' })
            .check((a) => {
              if ((a.users === undefined) === (a.user === undefined && a.maildir === undefined))
                throw new UsageError('check: give --user U --maildir DIR, or --users FILE');
              if (a.users === undefined && (a.user === undefined || a.maildir === undefined))
                throw new UsageError('check: --user and --maildir go together');
              return true;
            }),
        async (a) => {
          const args = { ...(a as unknown as RunArgs & CommonArgs), uidl: 'auto', dryRun: false };
          code =
            a.users === undefined
              ? await oneUser('check', args)
              : await batch({ ...args, users: a.users, jobs: a.jobs, mode: 'check' });
        },
      )
      // An option given twice takes its last value, as in most tools, instead of becoming a list.
      .parserConfiguration({ 'duplicate-arguments-array': false })
      .demandCommand(1, 'name a command: import, verify, batch or check')
      .strict()
      .version(pkg.version)
      .help()
      .wrap(Math.min(100, process.stdout.columns ?? 100))
      .fail((msg, err) => {
        // Throwing stops yargs here; otherwise it would go on to run the command.
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(
      `usage: qmail-import <import|verify|batch|check> [options]; see qmail-import <command> --help\nqmail-import: ${err.message}\n`,
    );
    // A script that asked for JSON gets JSON, even when the command line itself was wrong.
    if (argv.includes('--json'))
      process.stdout.write(
        `${JSON.stringify({ command: argv[0] ?? null, exitCode: EXIT.usage, error: { type: 'UsageError', message: err.message } }, null, 2)}\n`,
      );
    return EXIT.usage;
  }
  return code;
}

// Ctrl-C: say what happened and what it left. Every message is written to tmp/ first and linked
// into place complete, so what is visible is whole; a re-run finishes without duplicates.
process.once('SIGINT', () => {
  process.stderr.write(
    'qmail-import: interrupted (SIGINT): stopped; messages already in the Maildir are complete, run the same command again to finish\n',
  );
  process.exit(EXIT.interrupted);
});

process.exitCode = await main(hideBin(process.argv));
