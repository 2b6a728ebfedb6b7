#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../errors.js';
import type { JobKind } from '../commands/run-job.js';
import { renderText } from '../report/text.js';
import { runOne, type UserOutcome } from './batch.js';
import { batch, type BatchArgs } from './batch-command.js';
import { EXIT } from './exit-codes.js';
import { jobFromArgs, type CommonArgs, type SharedArgs } from './options.js';

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
    });
}

type RunArgs = SharedArgs & { json: boolean; verbose: boolean };

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

async function oneUser(kind: JobKind, args: RunArgs & CommonArgs): Promise<number> {
  const job = jobFromArgs(args, process.env, warn);
  modelWarning(job.qmailPop3d, [kind]);
  const outcome = await runOne(kind, job, args.owner);
  print(outcome, args.verbose);
  if (args.json) printJson(kind, outcome.exitCode, [outcome]);
  return outcome.exitCode;
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
        'import and/or verify many accounts: a users file, or vpopmail domains',
        (y) =>
          verifyOptions(importOptions(connectionOptions(y)))
            .option('users', {
              type: 'string',
              describe: 'the users file: USER:MAILDIR[:PASSWORD], ADDRESS or ADDRESS::PASSWORD per line',
            })
            .option('domain', {
              type: 'string',
              describe: 'every account of this vpopmail domain (D1,D2,... for several)',
            })
            .option('all-vpopmail', {
              type: 'boolean',
              default: false,
              describe: 'every account of every vpopmail domain',
            })
            .option('vpopmail-home', {
              type: 'string',
              describe: "vpopmail's home directory (default: the vpopmail user's)",
            })
            .option('login-format', {
              type: 'string',
              default: '%u@%d',
              describe: 'source login of a vpopmail address: %u local part, %d domain',
            })
            .option('log-dir', {
              type: 'string',
              describe: 'where logs, summary and failed.txt go (default ./qmail-import-logs/RUN-TIMESTAMP)',
            })
            .option('jobs', { type: 'number', default: 1, describe: 'accounts worked on at once' })
            .option('mode', {
              choices: ['import', 'verify', 'both'],
              default: 'both',
              describe: 'import, verify, or import then verify each user',
            }),
        async (a) => {
          code = await batch(a as unknown as BatchArgs, { warn, modelWarning });
        },
      )
      // An option given twice takes its last value, as in most tools, instead of becoming a list.
      .parserConfiguration({ 'duplicate-arguments-array': false })
      .demandCommand(1, 'name a command: import, verify or batch')
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
      `usage: qmail-import <import|verify|batch> [options]; see qmail-import <command> --help\nqmail-import: ${err.message}\n`,
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

process.exitCode = await main(hideBin(process.argv));
