import path from 'node:path';
import type { ErrorContext } from '../errors.js';
import { withDotlock } from './dotlock.js';
import { readOwnFile } from './read-file.js';
import { replaceFile } from './replace-file.js';
import type { UidList } from './uid-list.js';

/**
 * Courier-IMAP's per-folder UID list, `courierimapuiddb` (Courier's imap/imapscanclient.c,
 * IMAPDBVERSION 1): a header `1 <uidvalidity> <nextuid>`, then `<uid> <file name up to ':'>` per
 * message. Courier keeps an entry only while its file is in cur/; whatever it finds in new/ it
 * moves to cur/ and numbers itself.
 */
export const COURIER_UIDDB = 'courierimapuiddb';

/** Courier's Maildir lock (its maildirwatch.h WATCHDOTLOCK), taken while it rewrites the list. */
const COURIER_LOCK = path.join('tmp', 'courier.lock');

export function parseCourierUiddb(text: string): UidList | undefined {
  const [header, ...lines] = text.split('\n');
  const m = /^1 (\d+) (\d+)$/.exec(header ?? '');
  if (!m) return undefined;
  const entries: UidList['entries'] = [];
  for (const line of lines) {
    const e = /^(\d+) (.+)$/.exec(line);
    if (e) entries.push({ uid: Number(e[1]), name: e[2] as string });
  }
  return { uidValidity: Number(m[1]), nextUid: Number(m[2]), entries };
}

export function formatCourierUiddb(list: UidList): string {
  const lines = [`1 ${list.uidValidity} ${list.nextUid}`];
  for (const e of [...list.entries].sort((a, b) => a.uid - b.uid)) lines.push(`${e.uid} ${e.name}`);
  return `${lines.join('\n')}\n`;
}

export async function readCourierUiddb(folderDir: string, context: ErrorContext) {
  return parseCourierUiddb(await readOwnFile(path.join(folderDir, COURIER_UIDDB), context));
}

/** Runs `work` under Courier's Maildir lock, which Courier holds while it rewrites the list. */
export function courierLocked<T>(folderDir: string, work: () => Promise<T>, context: ErrorContext): Promise<T> {
  return withDotlock(path.join(folderDir, COURIER_LOCK), work, context);
}

/** Replaces the folder's list (under courierLocked), written in tmp/ and renamed, as Courier does. */
export async function writeCourierUiddb(folderDir: string, list: UidList, context: ErrorContext): Promise<void> {
  await replaceFile(folderDir, path.join(folderDir, COURIER_UIDDB), formatCourierUiddb(list), context);
}
