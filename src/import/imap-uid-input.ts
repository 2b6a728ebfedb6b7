import type { ErrorContext } from '../errors.js';
import { readDovecotKeywords } from '../maildir/dovecot-keywords.js';
import { resolveImapServer } from '../maildir/imap-server.js';
import type { BoxFolder } from '../plan/box-naming.js';
import { NO_CONDSTORE, raiseDovecotModseq } from '../maildir/dovecot-modseq.js';
import { writeImapUidState, type ImapUidOutcome, type ImapUidState } from '../maildir/imap-uid-state.js';
import type { FolderPlan } from '../plan/folder.js';
import type { PlannedMessage } from '../plan/message.js';
import type { FolderOutcome } from './folder-outcome.js';
import type { UserJob } from '../user-job.js';
import type { FolderSnapshot } from '../source/imap.js';
import type { JournalEntry } from '../journal-records.js';
import { recordedUids } from '../state/records.js';
import type { TaskPool } from '../task-pool.js';

/**
 * The box's naming rules for one folder, which the plan puts into every name (src/plan/box-naming.ts):
 * for Dovecot, with the folder's keyword file as it is now.
 */
export async function boxFolderOf(job: UserJob, dir: string, context: ErrorContext): Promise<BoxFolder | undefined> {
  const server = resolveImapServer(job.imapServer, job.maildir).server;
  if (server === 'courier') return { server };
  if (server === 'dovecot') return { server, keywords: await readDovecotKeywords(dir, context) };
  return undefined;
}

/**
 * One folder's input to the box's UID list: the source's UIDVALIDITY and UIDNEXT, and every
 * message we wrote there with its source UID, from the journal (earlier runs, state/records.ts) and
 * this run's plan. A name held by a file we did not write (a conflict) is not ours; messages
 * without a source UID (fetched over POP3 alone) are left for the server to number.
 */
function imapUidStateOf(
  entries: readonly JournalEntry[],
  folder: string,
  snapshot: FolderSnapshot,
  planned: readonly PlannedMessage[],
): ImapUidState {
  const { byName, earlier } = recordedUids(entries, folder, snapshot.uidValidity);
  for (const m of planned)
    if (m.uid !== undefined && ['write', 'present', 'reflag', 'rewrite'].includes(m.action)) byName.set(m.name, m.uid);
  return {
    uidValidity: snapshot.uidValidity,
    uidNext: snapshot.uidNext,
    messages: [...byName].map(([name, uid]) => ({ uid, name })),
    earlier,
  };
}

/** Where a folder is on the box: its directory, and its name as Dovecot's doveadm takes it. */
interface BoxPlace {
  dir: string;
  mailbox: string;
}

/**
 * After a folder's write session finished: the box's IMAP server's UID list, then Dovecot's
 * HIGHESTMODSEQ floor (docs/imap-uids.md). A folder with messages that failed keeps its list as it
 * was: advanced now, the list's next UID would pass them, and the run that writes them could no
 * longer list them under their source UIDs. Undefined: nothing written. The floor is raised in
 * `raises`, beside the next folders' work: the outcome's `modseq` is set once `raises` is settled,
 * which the run does before anything reads the folder's report (src/jobs/import-user.ts).
 */
export async function keepImapUids(
  job: UserJob,
  place: BoxPlace,
  snapshot: FolderSnapshot,
  plan: FolderPlan,
  outcome: FolderOutcome,
  entries: readonly JournalEntry[],
  raises: TaskPool,
  context: ErrorContext,
): Promise<ImapUidOutcome | undefined> {
  if (outcome.errors.length > 0) return undefined;
  const state = imapUidStateOf(entries, plan.folder, snapshot, plan.messages);
  const uids = await writeImapUidState(job.maildir, place.dir, job.imapServer, state, context);
  if (uids?.server !== 'dovecot') return uids;
  const floor = snapshot.highestModseq;
  if (floor === undefined) return { ...uids, modseq: { notKept: NO_CONDSTORE } };
  const kept: ImapUidOutcome = { ...uids };
  await raises.run(async () => {
    kept.modseq = await raiseDovecotModseq(job.maildir, place.mailbox, floor, context);
  });
  return kept;
}
