import path from 'node:path';
import { FolderError, type ErrorContext } from '../errors.js';
import { NAME_MAX_BYTES } from '../limits.js';
import { readOwnFile } from '../maildir/read-file.js';
import { replaceFile } from '../maildir/replace-file.js';
import type { ImapMessageMeta } from '../message-records.js';

/** What a run read of a source folder: EXAMINE's UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ, and every message's metadata. */
export interface KeptSnapshot {
  /** The source folder's full name: a snapshot is for that folder only, whatever directory it maps to. */
  path: string;
  uidValidity: string;
  uidNext: number;
  highestModseq?: string;
  /** The messages were read with the X-UIDL and Message-ID header fields (the INBOX's, for its
   *  POP3 matching): only such a snapshot serves a read that wants them. */
  headers?: true;
  messages: ImapMessageMeta[];
}

/**
 * One file per folder in the Maildir root, next to the marks (docs/journal.md): the next run reads
 * only what changed since. It says only what the source held, never what the Maildir holds, so
 * an old one is as good as a new one; a damaged one costs a full read.
 */
function fileOf(maildir: string, dirName: string): string | undefined {
  const name = `qmail-import.source${dirName}`;
  // A folder whose name leaves no room for the prefix is read in full each time.
  return Buffer.byteLength(name) <= NAME_MAX_BYTES ? path.join(maildir, name) : undefined;
}

export async function readKeptSnapshot(
  maildir: string,
  dirName: string,
  context: ErrorContext,
): Promise<KeptSnapshot | undefined> {
  const file = fileOf(maildir, dirName);
  if (!file) return undefined;
  // Only a cache: one that cannot be read as ours (a link, a directory planted there) is a full read.
  const text = await readOwnFile(file, context).catch((err: unknown) => {
    if (err instanceof FolderError) return undefined;
    throw err;
  });
  if (text === undefined) return undefined;
  try {
    const kept = JSON.parse(text) as KeptSnapshot;
    const sound =
      typeof kept.path === 'string' &&
      typeof kept.uidValidity === 'string' &&
      Number.isInteger(kept.uidNext) &&
      (kept.highestModseq === undefined || /^\d+$/.test(kept.highestModseq)) &&
      (kept.headers === undefined || kept.headers === true) &&
      Array.isArray(kept.messages) &&
      kept.messages.every(soundMeta);
    return sound ? kept : undefined;
  } catch {
    return undefined;
  }
}

export async function keepSnapshot(
  maildir: string,
  dirName: string,
  { path: folder, uidValidity, uidNext, highestModseq, headers, messages }: KeptSnapshot,
  context: ErrorContext,
): Promise<void> {
  const file = fileOf(maildir, dirName);
  if (!file) return;
  const text = `${JSON.stringify({ path: folder, uidValidity, uidNext, highestModseq, headers, messages })}\n`;
  // Not kept (something in its place): the next run reads the folder in full; the mail is not held up.
  await replaceFile(maildir, file, text, context).catch((err: unknown) => {
    if (!(err instanceof FolderError)) throw err;
  });
}

function soundMeta(m: ImapMessageMeta): boolean {
  return (
    typeof m === 'object' &&
    m !== null &&
    Number.isInteger(m.uid) &&
    Array.isArray(m.flags) &&
    m.flags.every((f) => typeof f === 'string') &&
    Number.isInteger(m.internalDateSec) &&
    Number.isInteger(m.size) &&
    (m.xUidl === undefined || typeof m.xUidl === 'string') &&
    (m.messageId === undefined || typeof m.messageId === 'string')
  );
}
