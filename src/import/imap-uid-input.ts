import type { ErrorContext } from '../errors.js';
import { writeImapUidState, type ImapUidOutcome, type ImapUidState } from '../maildir/imap-uid-state.js';
import type { FolderPlan } from '../plan/folder.js';
import type { PlannedMessage } from '../plan/message.js';
import type { UserJob } from '../user-job.js';
import type { FolderSnapshot } from '../source/imap.js';
import type { JournalEntry } from '../state/journal.js';

/**
 * One folder's input to the box's UID list: the source's UIDVALIDITY and UIDNEXT, and every
 * message we wrote there with its source UID, from the journal (earlier runs) and this run's plan.
 * A name held by a file we did not write (a conflict) is not ours; messages without a source UID
 * (fetched over POP3 alone) are left for the server to number.
 */
export function imapUidStateOf(
  entries: readonly JournalEntry[],
  folder: string,
  snapshot: FolderSnapshot,
  planned: readonly PlannedMessage[],
): ImapUidState {
  const keywords = new Map(snapshot.messages.map((m) => [m.uid, m.flags.filter((f) => !f.startsWith('\\'))]));
  const mine = entries.filter((e) => e.folder === folder && e.uid !== undefined);
  const byName = new Map<string, number>();
  for (const e of mine) if (e.uidValidity === snapshot.uidValidity) byName.set(e.name, e.uid as number);
  for (const m of planned)
    if (m.uid !== undefined && ['write', 'present', 'reflag', 'rewrite'].includes(m.action)) byName.set(m.name, m.uid);
  return {
    uidValidity: snapshot.uidValidity,
    uidNext: snapshot.uidNext,
    messages: [...byName].map(([name, uid]) => ({ uid, name, keywords: keywords.get(uid) ?? [] })),
    earlier: mine
      .filter((e) => e.uidValidity !== snapshot.uidValidity)
      .map((e) => ({ uidValidity: e.uidValidity, uid: e.uid as number, name: e.name })),
  };
}

/** After a folder's write session finished: the box's IMAP server's UID list (docs/imap-uids.md). */
export function keepImapUids(
  job: UserJob,
  folderDir: string,
  snapshot: FolderSnapshot,
  plan: FolderPlan,
  entries: readonly JournalEntry[],
  context: ErrorContext,
): Promise<ImapUidOutcome | undefined> {
  const state = imapUidStateOf(entries, plan.folder, snapshot, plan.messages);
  return writeImapUidState(job.maildir, folderDir, job.imapServer, state, context);
}
