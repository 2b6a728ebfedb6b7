import type { ImapFlow, ListResponse } from 'imapflow';
import { encodeMutf7 } from '../maildir/folder-name.js';

/**
 * A source folder by its two names: `path` names it in every message, the journal and the marks,
 * and is what its Maildir++ name is made from; `listed` is the name exactly as LIST gave it, the
 * one sent back to open it.
 */
export interface FolderName {
  path: string;
  listed: string;
}

export const INBOX: FolderName = { path: 'INBOX', listed: 'INBOX' };

/**
 * imapflow reads a listed name in modified UTF-7 and drops a leading delimiter. Where that reading
 * encodes back to exactly what the server sent, it is the name (unicode, as users see it);
 * otherwise (a leading delimiter, modified UTF-7 that is invalid or not in its one canonical
 * form: "/abs", "bad&AGE", "&AC8-etc") the reading lost something, and the server's own text is
 * the name, so that no two folders share one and each is named as the server named it.
 */
export function nameOf(entry: Pick<ListResponse, 'path' | 'pathAsListed'>): FolderName {
  const faithful =
    entry.path === 'INBOX' || entry.path === entry.pathAsListed || encodeMutf7(entry.path) === entry.pathAsListed;
  return { path: faithful ? entry.path : entry.pathAsListed, listed: entry.pathAsListed };
}

/**
 * Runs `call` (one command naming a folder) with the folder's listed name going out as it is.
 * imapflow encodes every name it sends to modified UTF-7 unless the session has UTF8=ACCEPT
 * enabled, which would turn "bad&AGE" into "bad&-AGE", another folder; a listed name is already
 * in the server's form, so for this call imapflow is told names go as they are.
 */
export async function withNamesAsListed<T>(client: ImapFlow, call: () => Promise<T>): Promise<T> {
  if (client.enabled.has('UTF8=ACCEPT')) return call();
  client.enabled.add('UTF8=ACCEPT');
  try {
    return await call();
  } finally {
    client.enabled.delete('UTF8=ACCEPT');
  }
}
