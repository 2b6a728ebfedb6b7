#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ImportError, UsageError } from '../errors.js';
import type { JobKind } from '../commands/run-job.js';
import { renderText } from '../report/text.js';
import type { UserReport } from '../report/types.js';
import { EXIT, exitCodeForError, exitCodeForReport } from './exit-codes.js';
import { jobFromArgs, type CommonArgs } from './options.js';
import { runAsOwner } from './run-as-owner.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

function sourceOptions(y: Argv) {
  return y
    .option('host', { type: 'string', describe: 'source server (IMAP and POP3)' })
    .option('imap-host', { type: 'string', describe: 'IMAP server, when not --host' })
    .option('pop3-host', { type: 'string', describe: 'POP3 server, when not --host' })
    .option('imap-port', { type: 'number', describe: 'default 993 with tls, else 143' })
    .option('pop3-port', { type: 'number', describe: 'default 995 with tls, else 110' })
    .option('security', { choices: ['tls', 'starttls', 'none'] as const, default: 'tls' as const, describe: 'how to protect the connections' })
    .option('ca-file', { type: 'string', describe: 'PEM file of a private CA to trust' })
    .option('insecure', { type: 'boolean', default: false, describe: 'do not check the server certificate (loud warning)' })
    .option('user', { type: 'string', demandOption: true, describe: 'source login name' })
    .option('password-file', { type: 'string', describe: 'file whose first line is the password (or env QMAIL_IMPORT_PASSWORD)' })
    .option('admin-user', { type: 'string', describe: 'log in as this admin on behalf of --user' })
    .option('maildir', { type: 'string', demandOption: true, describe: "the user's Maildir" })
    .option('owner', { type: 'string', describe: 'USER[:GROUP] to write as when root (default: owner of --maildir)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines' })
    .option('verbose', { type: 'boolean', default: false, describe: 'more detail on errors' });
}

async function runCommand(kind: JobKind, args: RunArgs): Promise<number> {
  const warn = (line: string) => process.stderr.write(`qmail-import: ${line}\n`);
  let report: UserReport;
  try {
    const job = jobFromArgs(args, process.env, warn);
    if (kind === 'verify' && !job.qmailPop3d) warn('WARNING: no qmail-pop3d found (--qmail-pop3d, $QMAIL_POP3D, /var/qmail/bin/qmail-pop3d): its listing is modelled from its rules, not run');
    report = await runAsOwner(kind, job, args.owner);
  } catch (err) {
    const code = exitCodeForError(err);
    const message = err instanceof ImportError ? err.message : `internal error: ${(err as Error).message}`;
    process.stderr.write(`qmail-import: ${message}\n`);
    if (args.verbose && !(err instanceof ImportError)) process.stderr.write(`${(err as Error).stack}\n`);
    if (args.json) printJson(kind, code, { user: args.user, error: { type: (err as Error).name, message } });
    return code;
  }
  const code = exitCodeForReport(report);
  process.stderr.write(renderText(report));
  if (args.json) printJson(kind, code, report);
  return code;
}

function printJson(command: string, exitCode: number, user: unknown): void {
  process.stdout.write(`${JSON.stringify({ command, exitCode, users: [user] }, null, 2)}\n`);
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
        (y) =>
          sourceOptions(y)
            .option('uidl', { choices: ['auto', 'formula', 'size', 'header', 'pop3', 'off'], default: 'auto', describe: 'how to match POP3 UIDLs to IMAP messages' })
            .option('folders', { choices: ['all', 'inbox'], default: 'inbox', describe: 'which folders to copy' })
            .option('include', { type: 'string', describe: 'only folders matching this regular expression' })
            .option('exclude', { type: 'string', describe: 'no folders matching this regular expression' })
            .option('dry-run', { type: 'boolean', default: false, describe: 'print the plan, write nothing' }),
        async (a) => {
          code = await runCommand('import', a as unknown as RunArgs);
        },
      )
      .command(
        'verify',
        "check that qmail-pop3d lists the Maildir exactly as the source's POP3 did",
        (y) =>
          sourceOptions(y)
            .option('qmail-pop3d', { type: 'string', describe: 'qmail-pop3d binary (default $QMAIL_POP3D, then /var/qmail/bin/qmail-pop3d)' })
            .option('content', { type: 'string', describe: 'also compare the bytes of N sampled messages (or "all") with the source' }),
        async (a) => {
          code = await runCommand('verify', { ...(a as unknown as RunArgs), uidl: 'auto', folders: 'inbox', dryRun: false });
        },
      )
      .command(
        'batch',
        'import or verify many users from a users file',
        (y) => y.option('users', { type: 'string', demandOption: true }).option('jobs', { type: 'number', default: 1 }),
        () => {
          throw new UsageError('batch: not implemented yet');
        },
      )
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
    process.stderr.write(`usage: qmail-import <import|verify|batch> --user U --maildir DIR [options]; see --help\nqmail-import: ${err.message}\n`);
    return EXIT.usage;
  }
  return code;
}

type RunArgs = CommonArgs & { json: boolean; verbose: boolean };

process.exitCode = await main(hideBin(process.argv));
