#!/usr/bin/env node
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { EXIT, interruptedText, STOP_SIGNALS, type StopSignal } from '../jobs/exit-codes.js';
import {
  accountOptions,
  batchOptions,
  connectionOptions,
  folderOptions,
  gatherRepeated,
  importOptions,
  oneUserOptions,
  verifyOptions,
} from './option-definitions.js';
import { BrokenInstallation, load } from './load.js';
import { VERSION } from './version.js';

/** Shown under the top-level --help: the night as the README runs it, and where the rest is. */
const EXAMPLES = `Examples:
  the pre-flight of the night: logins, folders and counts, each Maildir writable by its owner
    qmail-import check --host old.example.com --domain example.com --login-format %u \\
      --admin-user migrate --admin-password-file /root/pw/migrate --jobs 8
  the bulk copy of the night: every account of the domain, 8 at a time
    qmail-import batch --host old.example.com --domain example.com --login-format %u \\
      --admin-user migrate --admin-password-file /root/pw/migrate --jobs 8 --mode import
  one user, again later for what came since
    qmail-import import --host old.example.com --user alice --password-file /root/pw/alice \\
      --maildir /home/vpopmail/domains/example.com/alice/Maildir

Every option, the users file, the night step by step and the exit codes: man qmail-import`;

// Loaded at the command boundary: what runs a command (imapflow and all) is not needed to print
// help, the version or a usage error.
const command = () => load('what runs a command', () => import('./run-command.js'));

/**
 * yargs renders a command's whole help text as it starts the command's handler, in case the
 * handler asks for it later (ours never do: help is printed for --help alone, before any handler
 * runs): a tenth of a short run's start. That rendering is skipped here; a yargs without it is
 * left as it is.
 */
function withoutHelpCache<T>(y: Argv<T>): Argv<T> {
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = (y as Internals).getInternalMethods?.().getUsageInstance?.();
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => undefined;
  return y;
}

async function main(argv: string[]): Promise<number> {
  // The version alone needs no parser: it is printed before one is loaded.
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const { default: yargs } = await load('the command-line parser', () => import('yargs'));
  let code: number = EXIT.ok;
  try {
    await withoutHelpCache(yargs(gatherRepeated(argv, 'restore')))
      .scriptName('qmail-import')
      .usage('$0 <command> [options]')
      .command(
        'import',
        "copy a user's mail into the Maildir, keeping POP3 UIDLs",
        (y) => importOptions(oneUserOptions(y)),
        async (a) => {
          code = await (await command()).oneUser('import', a);
        },
      )
      .command(
        'verify',
        "check that qmail-pop3d lists the Maildir exactly as the source's POP3 did",
        (y) => folderOptions(verifyOptions(oneUserOptions(y))),
        async (a) => {
          code = await (await command()).oneUser('verify', { ...a, uidl: 'auto', dryRun: false });
        },
      )
      .command(
        'batch',
        'import and/or verify many accounts: a users file, or vpopmail domains',
        (y) => batchOptions(verifyOptions(importOptions(connectionOptions(y)))),
        async (a) => {
          code = await (await command()).batchCommand(a);
        },
      )
      .command(
        'check',
        'pre-flight: log in to IMAP and POP3 for one user or every account batch would take, list folders and counts, and look whether the import could write each Maildir; writes nothing',
        (y) =>
          accountOptions(connectionOptions(y))
            .option('user', { type: 'string', describe: 'source login name (or the accounts, as for batch)' })
            .option('maildir', { type: 'string', describe: "the user's Maildir (with --user)" })
            .option('create', {
              type: 'boolean',
              default: false,
              describe: 'the import will create missing Maildirs (--create): a missing one is no problem then',
            })
            .check((a) => {
              const one = a.user !== undefined || a.maildir !== undefined;
              if (one === (a.users !== undefined || a.domain !== undefined || a.allVpopmail))
                throw new UsageError(
                  'check: give --user U --maildir DIR, or the accounts as for batch: --users FILE, --domain D or --all-vpopmail',
                );
              if (one && (a.user === undefined || a.maildir === undefined))
                throw new UsageError('check: --user and --maildir go together');
              return true;
            }),
        async (a) => {
          const args = { ...a, uidl: 'auto' as const, dryRun: false };
          const run = await command();
          // .check above lets through --user with --maildir, or the accounts of a batch.
          code =
            a.user !== undefined && a.maildir !== undefined
              ? await run.oneUser('check', { ...args, user: a.user, maildir: a.maildir })
              : await run.batchCommand({ ...args, mode: 'check' });
        },
      )
      // An option given twice takes its last value, as in most tools, instead of becoming a list.
      .parserConfiguration({ 'duplicate-arguments-array': false })
      .epilogue(EXAMPLES)
      .demandCommand(1, 'name a command: import, verify, batch or check')
      .strict()
      .version(VERSION)
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

// Ctrl-C, a hangup, a TERM: say what happened and what it left. Every message is written to tmp/
// first and linked into place complete, so what is visible is whole; a re-run finishes without
// duplicates. An import or a batch stops at a safe point itself (jobs/exit-codes.ts, onStopSignals);
// anything else (verify, check, a command still starting) ends here.
for (const name of Object.keys(STOP_SIGNALS)) {
  const signal = name as StopSignal;
  process.on(signal, () => {
    if (process.listenerCount(signal) > 1) return;
    process.stderr.write(`qmail-import: ${interruptedText(signal)}\n`);
    process.exit(STOP_SIGNALS[signal]);
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof BrokenInstallation)) throw err;
  process.stderr.write(`qmail-import: ${err.message}\n`);
  process.exitCode = EXIT.incomplete;
}
