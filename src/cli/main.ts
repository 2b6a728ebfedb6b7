#!/usr/bin/env node
import { IMAP_SERVER_CHOICES } from '../maildir/imap-server.js';
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../errors.js';
import { READ_TIMEOUT_MS } from '../limits.js';
import { EXIT } from './exit-codes.js';
import type { CommonArgs } from './options.js';
import type { BatchArgs } from './batch-command.js';
import type { RunArgs } from './run-command.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

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
    .option('timeout', {
      type: 'number',
      default: READ_TIMEOUT_MS / 1000,
      describe: 'seconds a server may stay silent (greeting, handshake, an answer) before the step fails',
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
    .option('full', {
      type: 'boolean',
      default: false,
      describe: 'read every folder, even those whose STATUS is as the last complete run saw it',
    })
    .option('max-size', {
      type: 'string',
      describe:
        'skip and report messages the source announces bigger than this (bytes, or K, M, G: 10M); a later run without it copies them',
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
    .option('exclude', { type: 'string', describe: 'no folders whose name matches this regular expression' })
    .option('imap-server', {
      choices: IMAP_SERVER_CHOICES,
      default: 'auto',
      describe:
        "the box's IMAP server, whose UID lists keep the source's UIDs (auto: its files in the Maildir, else the one installed)",
    })
    .option('namespaces', {
      choices: ['personal', 'all'],
      default: 'personal',
      describe: "the user's own folders, or also other users' and shared folders the login can read",
    });
}

function verifyOptions(y: Argv) {
  return y
    .option('qmail-pop3d', {
      type: 'string',
      describe: 'qmail-pop3d binary (default $QMAIL_POP3D, then /var/qmail/bin/qmail-pop3d)',
    })
    .option('courier-imapd', {
      type: 'string',
      describe: "Courier-IMAP's imapd, run with --imap-server courier (default $COURIER_IMAPD, then /usr/bin/imapd)",
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

// Loaded at the command boundary: what runs a command (imapflow and all) is not needed to print
// help, the version or a usage error.
const command = () => import('./run-command.js');

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
          code = await (await command()).oneUser('import', a as unknown as RunArgs & CommonArgs);
        },
      )
      .command(
        'verify',
        "check that qmail-pop3d lists the Maildir exactly as the source's POP3 did",
        (y) => folderOptions(verifyOptions(oneUserOptions(y))),
        async (a) => {
          code = await (
            await command()
          ).oneUser('verify', { ...(a as unknown as RunArgs & CommonArgs), uidl: 'auto', dryRun: false });
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
          code = await (await command()).batchCommand(a as unknown as BatchArgs);
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
            .option('log-dir', {
              type: 'string',
              describe: 'with --users: where the logs and summary go, as for batch',
            })
            .check((a) => {
              if ((a.users === undefined) === (a.user === undefined && a.maildir === undefined))
                throw new UsageError('check: give --user U --maildir DIR, or --users FILE');
              if (a.users === undefined && (a.user === undefined || a.maildir === undefined))
                throw new UsageError('check: --user and --maildir go together');
              return true;
            }),
        async (a) => {
          const args = { ...(a as unknown as RunArgs & CommonArgs), uidl: 'auto', dryRun: false };
          const run = await command();
          code =
            a.users === undefined
              ? await run.oneUser('check', args)
              : await run.batchCommand({
                  ...args,
                  users: a.users,
                  jobs: a.jobs,
                  mode: 'check',
                  loginFormat: '%u@%d',
                  allVpopmail: false,
                } as unknown as BatchArgs);
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
// A batch stops its accounts at a safe point itself (cli/batch-command.ts); anything else ends here.
process.once('SIGINT', () => {
  if (process.listenerCount('SIGINT') > 0) return;
  process.stderr.write(
    'qmail-import: interrupted (SIGINT): stopped; messages already in the Maildir are complete, run the same command again to finish\n',
  );
  process.exit(EXIT.interrupted);
});

process.exitCode = await main(hideBin(process.argv));
