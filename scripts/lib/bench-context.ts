import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PeerRun } from './bench-peers.js';
import type { SourceServer } from './source-server.js';
import type { SystemUser } from './system-users.js';

/** What every benchmark section shares: the source, the accounts' owners, where things go. */
export interface BenchContext {
  server: SourceServer;
  /** dist/src/bin/qmail-import.js */
  cli: string;
  password: string;
  passwordFile: string;
  /** Private directory for configs and users files; removed at the end. */
  scratch: string;
  /** The qmail side's mailbox owner (qmail-import's worker, mbsync and offlineimap run as it). */
  owner: SystemUser;
  /** The source's mail user (doveadm writes as it: the source's userdb names it). */
  srcOwner: SystemUser;
  rounds: number;
  /** The copies made so far, removed at the end. */
  homes: string[];
}

/** An empty directory owned by `as`, for one tool's copy. */
export function freshHome(ctx: BenchContext, tag: string, as: SystemUser = ctx.owner): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `qi-bench-${tag}-`));
  fs.chmodSync(home, 0o755);
  fs.chownSync(home, as.uid, as.gid);
  ctx.homes.push(home);
  return home;
}

/** How the source is reached: clear text, or TLS with the source's private CA. */
export type Transport = 'clear' | 'tls';

/** The options that point qmail-import at the source and its password. */
function sourceArgs(ctx: BenchContext, transport: Transport): string[] {
  const s = ctx.server;
  const where =
    transport === 'tls'
      ? [
          '--security',
          'tls',
          '--ca-file',
          s.caFile,
          '--imap-port',
          String(s.imapsPort),
          '--pop3-port',
          String(s.pop3sPort),
        ]
      : ['--security', 'none', '--imap-port', String(s.imapPort), '--pop3-port', String(s.pop3Port)];
  return ['--host', s.host, ...where, '--password-file', ctx.passwordFile, '--quiet'];
}

/** qmail-import as the admin runs it: as root (it drops to the owner itself), --quiet. */
export function qmailImport(
  ctx: BenchContext,
  command: 'import' | 'verify',
  user: string,
  maildir: string,
  extra: string[] = [],
  transport: Transport = 'clear',
): PeerRun {
  return {
    argv: [
      process.execPath,
      ctx.cli,
      command,
      ...sourceArgs(ctx, transport),
      '--user',
      user,
      '--maildir',
      maildir,
      // Every copy goes into a fresh home: the Maildir itself is the import's to make.
      ...(command === 'import' ? ['--create'] : []),
      ...extra,
    ],
    options: {},
  };
}

/** qmail-import batch over a users file (USER:MAILDIR per line). */
export function qmailImportBatch(ctx: BenchContext, usersFile: string, extra: string[] = []): PeerRun {
  return {
    argv: [process.execPath, ctx.cli, 'batch', ...sourceArgs(ctx, 'clear'), '--users', usersFile, ...extra],
    options: {},
  };
}
