import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fsCall, type ErrorContext } from '../errors.js';
import { withDotlock } from './dotlock.js';
import { readOwnFile } from './read-file.js';
import { replaceFile } from './replace-file.js';
import type { UidList } from './uid-list.js';

/**
 * Dovecot's per-folder UID list, `dovecot-uidlist` version 3 (Dovecot's
 * src/lib-storage/index/maildir/maildir-uidlist.c): a header `3 V<uidvalidity> N<nextuid>
 * G<mailbox guid>` (more header fields may follow), then one line per message, `<uid>` and
 * optional fields (`W<vsize>`, `S<size>`, ...) then ` :<file name up to ':'>`.
 */
export const DOVECOT_UIDLIST = 'dovecot-uidlist';

/** The header's mailbox GUID: kept from the list being replaced, as Dovecot keeps it. */
export interface DovecotUidList extends UidList {
  guid: string;
}

/** undefined for a file that is not a version 3 list we can read (Dovecot would rebuild it too). */
export function parseDovecotUidlist(text: string): DovecotUidList | undefined {
  const [header, ...lines] = text.split('\n');
  const fields = header?.split(' ') ?? [];
  if (fields[0] !== '3') return undefined;
  const field = (key: string) => fields.find((f) => f.startsWith(key))?.slice(1);
  const uidValidity = Number(field('V'));
  const nextUid = Number(field('N'));
  if (!(uidValidity > 0) || !(nextUid > 0)) return undefined;
  const entries: UidList['entries'] = [];
  for (const line of lines) {
    const m = /^(\d+)(?: [^:]*)? :(.+)$/.exec(line);
    if (m) entries.push({ uid: Number(m[1]), name: m[2] as string });
  }
  return { uidValidity, nextUid, guid: field('G') ?? '', entries };
}

export function formatDovecotUidlist(list: DovecotUidList): string {
  const lines = [`3 V${list.uidValidity} N${list.nextUid} G${list.guid}`];
  for (const e of [...list.entries].sort((a, b) => a.uid - b.uid)) lines.push(`${e.uid} :${e.name}`);
  return `${lines.join('\n')}\n`;
}

/** A new mailbox GUID, 128 bits in hex as Dovecot prints them. */
export function newDovecotGuid(): string {
  return randomBytes(16).toString('hex');
}

export async function readDovecotUidlist(folderDir: string, context: ErrorContext) {
  return parseDovecotUidlist(await readOwnFile(path.join(folderDir, DOVECOT_UIDLIST), context));
}

/** Runs `work` under Dovecot's lock of the folder's list, `dovecot-uidlist.lock`; Dovecot writes
 *  the list and `dovecot-keywords` only while holding it. */
export function dovecotLocked<T>(folderDir: string, work: () => Promise<T>, context: ErrorContext): Promise<T> {
  return withDotlock(path.join(folderDir, `${DOVECOT_UIDLIST}.lock`), work, context);
}

/**
 * Replaces the folder's list (under dovecotLocked), then removes the folder's `dovecot.index*`
 * and the Maildir root's `dovecot.list.index*`: those caches hold the UIDVALIDITY Dovecot saw
 * before and would win over the list; Dovecot rebuilds them from the list.
 */
export async function writeDovecotUidlist(
  maildir: string,
  folderDir: string,
  list: DovecotUidList,
  context: ErrorContext,
): Promise<void> {
  await replaceFile(folderDir, path.join(folderDir, DOVECOT_UIDLIST), formatDovecotUidlist(list), context);
  await removeMatching(folderDir, (n) => n.startsWith('dovecot.index'), context);
  await removeMatching(maildir, (n) => n.startsWith('dovecot.list.index'), context);
}

async function removeMatching(dir: string, wanted: (name: string) => boolean, context: ErrorContext): Promise<void> {
  for (const name of (await fs.readdir(dir)).filter(wanted)) {
    const file = path.join(dir, name);
    await fsCall(() => fs.unlink(file), 'unlink', file, context, { expected: { ENOENT: undefined } });
  }
}
