import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FolderError, SourceError, type ErrorContext } from '../errors.js';
import { MAX_POP3_LINE_BYTES, QMAIL_POP3D_TIMEOUT_MS } from '../limits.js';
import { LineReader } from '../source/line-reader.js';
import type { ListEntry, UidlEntry } from '../source/pop3-listing.js';
import { Pop3Session } from '../source/pop3-session.js';

export const DEFAULT_QMAIL_POP3D = '/var/qmail/bin/qmail-pop3d';

/** The first qmail-pop3d that exists: --qmail-pop3d, then $QMAIL_POP3D, then qmail's default place. */
export function findQmailPop3d(explicit: string | undefined, fromEnv: string | undefined): string | undefined {
  if (explicit) return explicit;
  return [fromEnv, DEFAULT_QMAIL_POP3D].find((p): p is string => !!p && isExecutable(p));
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface Pop3dRun {
  uidl: UidlEntry[];
  list: ListEntry[];
}

/**
 * Runs qmail-pop3d on MAILDIR the way qmail-popup does after authentication (already in the
 * TRANSACTION state, POP3 on stdin/stdout, started in the Maildir's parent), asks UIDL and LIST,
 * then closes stdin. EOF, never QUIT: QUIT would move new/ to cur/ and change the Maildir.
 * The caller runs as the mailbox owner; notqmail refuses uid 0 anyway.
 */
export async function runQmailPop3d(binary: string, maildir: string, context: ErrorContext): Promise<Pop3dRun> {
  const absolute = path.resolve(maildir);
  const child = spawn(binary, [absolute], {
    cwd: path.dirname(absolute),
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: path.dirname(absolute),
      ...(context.user ? { USER: context.user } : {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  let started = true;
  const failedToStart = new Promise<never>((_resolve, reject) =>
    child.once('error', (err) => {
      started = false;
      reject(
        new FolderError(`cannot run ${binary}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, {
          ...context,
          cause: err,
        }),
      );
    }),
  );
  failedToStart.catch(() => undefined);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // The process may die before reading everything we send; that shows up as a read error below.
  child.stdin.on('error', () => undefined);
  const reader = new LineReader(child.stdout, QMAIL_POP3D_TIMEOUT_MS, MAX_POP3_LINE_BYTES);
  const session = new Pop3Session(reader, (d) => child.stdin.write(d), binary, context);
  try {
    await Promise.race([session.greeting(), failedToStart]);
    const uidl = await session.uidl();
    const list = await session.list();
    child.stdin.end();
    // qmail-pop3d exits at EOF; one that does not is ended, not waited for forever.
    const stuck = setTimeout(() => child.kill('SIGKILL'), QMAIL_POP3D_TIMEOUT_MS);
    await closed;
    clearTimeout(stuck);
    return { uidl, list };
  } catch (err) {
    if (started) {
      child.kill('SIGKILL');
      await closed;
    }
    const why = stderr.trim() ? ` (its stderr: ${stderr.trim()})` : '';
    if (err instanceof SourceError) throw new FolderError(`${err.detail}${why}`, { ...context, cause: err });
    throw err;
  }
}
