import { UsageError } from '../errors.js';
import type { SharedJob, UserJob } from '../user-job.js';
import { readOptionFile } from '../option-file.js';
import { parseRestore, type RestoreRequest } from '../plan/restore.js';
import { DEFAULT_PORTS, isLoopback, type Endpoint } from '../source/endpoint.js';
import type { ContentSample } from '../verify/content.js';
import { findQmailPop3d, isExecutable } from '../verify/qmail-pop3d-runner.js';
import type { ConnectionArgs, FolderArgs, ImportArgs, OneUserArgs, VerifyArgs } from './option-definitions.js';

/** What a command hands over: the connection options, --uidl and --dry-run (verify and check fix
 *  them), and the folder, import and verify options where the command has them. */
export type SharedArgs = ConnectionArgs &
  Pick<ImportArgs, 'uidl' | 'dryRun'> &
  Partial<ImportArgs & FolderArgs & VerifyArgs>;

/** import, verify and check of one user. */
export type CommonArgs = SharedArgs & Pick<OneUserArgs, 'user' | 'maildir'>;

/** What every user's job of one run has in common. */

/** Checks every option once, before anything runs, and turns them into a job. */
export function jobFromArgs(args: CommonArgs, env: NodeJS.ProcessEnv, warn: (line: string) => void): UserJob {
  if (!args.maildir.trim()) throw new UsageError('--maildir must not be empty');
  const { shared, password } = sharedJobFromArgs(args, env, warn);
  if (password === undefined)
    throw new UsageError(
      args.adminUser
        ? '--admin-user and --admin-password-file go together'
        : 'no password: give --password-file F or set QMAIL_IMPORT_PASSWORD',
    );
  return { ...shared, user: args.user, password, maildir: args.maildir };
}

/** The options that hold for every user of a run, checked once; the password when one was given. */
export function sharedJobFromArgs(
  args: SharedArgs,
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): { shared: SharedJob; password?: string } {
  for (const [option, re] of [
    ['--include', args.include],
    ['--exclude', args.exclude],
  ] as const) {
    try {
      if (re !== undefined) new RegExp(re, 'u');
    } catch (err) {
      throw new UsageError(`${option} ${re}: not a regular expression: ${(err as Error).message}`);
    }
  }
  // --admin-user alone: batch asks for the admin's password on the terminal.
  if (args.adminPasswordFile !== undefined && args.adminUser === undefined)
    throw new UsageError('--admin-user and --admin-password-file go together');
  if (args.qmailPop3d !== undefined && !isExecutable(args.qmailPop3d))
    throw new UsageError(`--qmail-pop3d ${args.qmailPop3d}: not an executable file`);
  if (!(args.timeout > 0)) throw new UsageError(`--timeout ${args.timeout}: give a number of seconds above 0`);
  const courierImapd = args.courierImapd ?? (env.COURIER_IMAPD || undefined);
  if (courierImapd !== undefined && !isExecutable(courierImapd))
    throw new UsageError(
      `${args.courierImapd !== undefined ? '--courier-imapd' : '$COURIER_IMAPD'} ${courierImapd}: not an executable file`,
    );
  const ca = args.caFile === undefined ? undefined : readPem(args.caFile);
  if (args.insecure)
    warn(
      'WARNING: --insecure: the source server certificate is not checked; a man in the middle can read passwords and mail',
    );
  const endpoint = (protocol: 'imap' | 'pop3', host: string | undefined, port: number | undefined): Endpoint => {
    const h = host ?? args.host;
    if (!h) throw new UsageError(`no ${protocol.toUpperCase()} host: give --host or --${protocol}-host`);
    if (args.security === 'none' && !isLoopback(h))
      warn(`WARNING: --security none: passwords cross the network to ${h} in clear text`);
    return {
      host: h,
      port: port ?? DEFAULT_PORTS[protocol][args.security],
      security: args.security,
      ca,
      insecure: args.insecure,
      timeoutMs: args.timeout * 1000,
    };
  };
  const shared: SharedJob = {
    ...(args.adminUser ? { admin: args.adminUser } : {}),
    apop: args.apop,
    imap: endpoint('imap', args.imapHost, args.imapPort),
    pop3: endpoint('pop3', args.pop3Host, args.pop3Port),
    uidl: args.uidl,
    folders: args.folders ?? 'all',
    ...(args.include !== undefined ? { include: args.include } : {}),
    ...(args.exclude !== undefined ? { exclude: args.exclude } : {}),
    namespaces: args.namespaces ?? 'personal',
    dryRun: args.dryRun,
    deleteGone: args.delete ?? false,
    full: args.full ?? false,
    ...(args.restore?.length ? { restore: args.restore.map(restoreRequest) } : {}),
    ...(args.maxSize !== undefined ? { maxSize: parseByteSize(args.maxSize, '--max-size') } : {}),
    maildirLinkOk: args.allowSymlinkedMaildir,
    // Progress is for a person watching: none into a log file or a pipe.
    quiet: args.quiet || !process.stderr.isTTY,
    qmailPop3d: findQmailPop3d(args.qmailPop3d, env.QMAIL_POP3D),
    ...(courierImapd !== undefined ? { courierImapd } : {}),
    content: parseContent(args.content),
    imapServer: args.imapServer ?? 'auto',
    strict: args.strict ?? false,
    createMaildir: args.create ?? false,
  };
  const password =
    args.adminUser !== undefined
      ? args.adminPasswordFile && firstLine(args.adminPasswordFile, '--admin-password-file')
      : readPassword(args.passwordFile, env);
  return { shared, password };
}

/** From --password-file (its first line) or QMAIL_IMPORT_PASSWORD: never from argv, where ps shows it. */
function readPassword(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (file !== undefined) return firstLine(file, '--password-file');
  return env.QMAIL_IMPORT_PASSWORD || undefined;
}

function firstLine(file: string, option: string): string {
  const first = readOptionFile(file, option).split(/\r?\n/)[0] ?? '';
  if (!first) throw new UsageError(`${option} ${file}: first line is empty`);
  return first;
}

/** --ca-file must hold PEM certificates: Node ignores anything else without a word, and the
 *  connection then fails as if no CA had been given. */
function readPem(file: string): string {
  const text = readOptionFile(file, '--ca-file');
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new UsageError(
      `--ca-file ${file}: not a PEM certificate file (no "-----BEGIN CERTIFICATE-----" line); convert a DER file with: openssl x509 -inform der -in ${file} -out ca.pem`,
    );
  return text;
}

/** "10485760", "512K", "10M", "1G": bytes, or binary kilo-, mega-, gigabytes (K = 1024), as ls and du count. */
export function parseByteSize(value: string, option: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(value.trim());
  const bytes = m ? Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()) : NaN;
  if (!(bytes > 0) || !Number.isSafeInteger(bytes))
    throw new UsageError(`${option} ${value}: give a size above 0 in bytes, or with K, M or G (10M is 10485760 bytes)`);
  return bytes;
}

/** One --restore value (src/plan/restore.ts): "all", FOLDER:UID or an INBOX UIDL, never empty. */
function restoreRequest(value: string): RestoreRequest {
  if (value.trim() === '')
    throw new UsageError('--restore: give a UIDL (INBOX), FOLDER:UID, or all (every message deleted here)');
  return parseRestore(value);
}

function parseContent(value: string | undefined): ContentSample {
  if (value === undefined) return 0;
  if (value === 'all') return 'all';
  if (!/^\d+$/.test(value)) throw new UsageError(`--content ${value}: give a number of messages or "all"`);
  return Number(value);
}
