import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import type { ErrorContext } from '../errors.js';
import { hashOurFile } from '../maildir/hash-file.js';
import type { ImapMessageMeta } from '../message-records.js';
import type { FolderHistory } from '../journal-records.js';
import type { ExistingFile } from '../maildir/scan.js';
import { hashImapMessage } from '../source/content-hash.js';
import { imapFailure } from '../source/imap-link.js';
import { ContentKey } from '../uidl/content-key.js';

/**
 * The UIDs whose message the source changed in place (docs/journal.md): our file's journal record
 * has this UIDVALIDITY and UID but another size, and the file still holds the message's content
 * once the header fields servers rewrite for flags are left out (uidl/content-key.ts): GNU
 * Mailutils writes Status: and X-Status: into the message. A UID whose content changed too is
 * another message now (Courier moved UIDs under one UIDVALIDITY): the plan recognises it by
 * content instead. Only those few messages are read, here and at the source.
 */
export async function changedInPlace(
  imap: ImapFlow,
  dir: string,
  messages: readonly ImapMessageMeta[],
  existing: ReadonlyMap<string, ExistingFile>,
  history: FolderHistory,
  uidValidity: string,
  context: ErrorContext,
): Promise<Set<number>> {
  const sizeNow = new Map(messages.map((m) => [m.uid, m.size]));
  const same = new Set<number>();
  for (const [name, record] of history.recordOf) {
    const { uid, size } = record;
    const file = existing.get(name);
    if (uid === undefined || record.uidValidity !== uidValidity || !file) continue;
    if (size === undefined || !sizeNow.has(uid) || sizeNow.get(uid) === size) continue;
    const here = await hashOurFile(path.join(dir, file.dir, file.file), context, new ContentKey());
    if (here !== undefined && here === (await imapContentKey(imap, uid, context))) same.add(uid);
  }
  return same;
}

/** The content key of an IMAP message (undefined when it is gone); a failed fetch ends the account. */
export function imapContentKey(imap: ImapFlow, uid: number, context: ErrorContext): Promise<string | undefined> {
  return hashImapMessage(imap, uid, () => new ContentKey()).catch((err: unknown) => {
    throw imapFailure(imap, 'cannot fetch to compare content', err, { ...context, uid });
  });
}
