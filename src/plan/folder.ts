import type { ImapMessageMeta } from '../source/imap.js';
import { stableUniqueName } from '../maildir/unique-name.js';
import { plannedMessage, type ExistingFile, type PlannedMessage } from './message.js';

export interface FolderPlanInput {
  uidValidity: string;
  imap: readonly ImapMessageMeta[];
  /** Files already in the folder, by name up to ':'. */
  existing: ReadonlyMap<string, ExistingFile>;
  /** mtimes must be earlier than this: a file dated in the future looks wrong to every reader. */
  beforeSec: number;
  host: string;
}

/**
 * A folder other than INBOX: no POP3 client sees it, so names are standard unique Maildir names
 * (stable across runs, so a re-run recognises what is there) and mtime is the INTERNALDATE.
 */
export function planFolder(input: FolderPlanInput): PlannedMessage[] {
  return [...input.imap]
    .sort((a, b) => a.uid - b.uid)
    .map((meta) => {
      const name = stableUniqueName(meta.internalDateSec, input.uidValidity, meta.uid, input.host);
      return plannedMessage(name, meta, Math.min(meta.internalDateSec, input.beforeSec - 1), input.existing.get(name));
    });
}
