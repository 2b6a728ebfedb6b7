import os from 'node:os';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import { FolderError, type ErrorContext } from '../errors.js';
import { ensureMaildir, markAsFolder } from '../maildir/layout.js';
import { clearOurTmp } from '../maildir/lock.js';
import { existingByName, scanIfPresent } from '../maildir/scan.js';
import { planFolder, type FolderPlan } from '../plan/folder.js';
import { folderHistory } from '../state/records.js';
import { countDropped } from '../plan/message.js';
import { restoreIn, unmatchedIn } from '../plan/restore.js';
import { Progress } from '../report/progress.js';
import type { FolderReport } from '../report/types.js';
import { readFolderSnapshot, type FolderSnapshot } from '../source/imap.js';
import { readFolderChanges, type SnapshotRead } from '../source/imap-changes.js';
import { keepSnapshot, readKeptSnapshot } from '../state/source-snapshots.js';
import type { FolderName } from '../source/listed-name.js';
import type { Journal, JournalContents } from '../state/journal.js';
import type { FolderMark } from '../state/folder-marks.js';
import { Stopped, type RunContext } from '../run-context.js';
import type { TaskPool } from '../task-pool.js';
import type { UserJob } from '../user-job.js';
import { changedInPlace } from './changed-in-place.js';
import { copyFromImap, toCopy } from './copy-messages.js';
import { folderCounts } from './folder-counts.js';
import { snapshotOnly, type FolderEvidence, type WithEvidence } from './folder-evidence.js';
import type { FolderOutcome } from './folder-outcome.js';
import { FolderWriteSession } from './folder-session.js';
import { boxFolderOf, keepImapUids } from './imap-uid-input.js';
import { inboxEvidence } from './inbox-evidence.js';

/** What the Maildir's own records held at the start of the run, and the journal's writer (none in a dry run). */
export interface RunState {
  /** The journal as it was at the start of the run, read when a folder first needs it: a delta in
   *  which STATUS finds every folder unchanged never reads it. Every journal line of this run is
   *  written by importFolder after it asked for these, so they hold none of this run's lines. */
  records: () => Promise<JournalContents>;
  journal?: Journal;
  /** Folders the last complete runs read cleanly, with their STATUS then. */
  marks: ReadonlyMap<string, FolderMark>;
  /** The folders' HIGHESTMODSEQ raises, run beside the next folders (imap-uid-input.ts). */
  raises: TaskPool;
}

/** One folder to import: the source's folder, and where it goes on the box. */
export interface FolderTarget {
  folder: FolderName;
  /** The INBOX: the Maildir itself, with the POP3 step as its evidence. */
  inbox: boolean;
  /** The Maildir++ directory, e.g. ".Archive.2019"; "" for the INBOX (the Maildir itself). */
  dirName: string;
  /** Its name as the box's doveadm takes it (UTF-8). */
  mailbox: string;
}

/**
 * One folder's import, the INBOX's too: read the source's snapshot and the folder's files, open
 * the folder's evidence (the INBOX's is a POP3 session), plan every message, then one write
 * session copies, finishes and keeps the box's UID list. A folder cut short (a full disk, a stop
 * signal) reports what was written before; any other failure is the caller's.
 */
export async function importFolder(
  imap: ImapFlow,
  job: UserJob,
  run: RunState,
  target: FolderTarget,
  runStartSec: number,
  ctx: RunContext,
): Promise<FolderReport> {
  const context: ErrorContext = { user: job.user, folder: target.folder.path };
  const dir = path.join(job.maildir, target.dirName);
  const source = await readSnapshot(imap, job, target, context);
  if (run.journal && !target.inbox) {
    await ensureMaildir(dir, context, true, job.owner);
    await markAsFolder(dir, context);
    // The Maildir's lock, taken by importUser, covers its folders.
    await clearOurTmp(dir, context);
  }
  const { snapshot } = source;
  // Kept beside the folder's import: a file of its own, whose sync need not hold the folder up.
  // The INBOX's with the header fields its POP3 matching reads (readSnapshot).
  const keeping =
    run.journal && snapshot.highestModseq !== undefined
      ? keepSnapshot(job.maildir, target.dirName, { ...snapshot, ...(target.inbox ? { headers: true } : {}) }, context)
      : undefined;
  try {
    return await importAsRead(imap, job, run, target, { ...source, dir, runStartSec }, ctx, context);
  } finally {
    await keeping;
  }
}

/** The folder's import once its snapshot is read: its files, evidence, plan and write session. */
async function importAsRead(
  imap: ImapFlow,
  job: UserJob,
  run: RunState,
  target: FolderTarget,
  {
    snapshot,
    read,
    dir,
    runStartSec,
  }: { snapshot: FolderSnapshot; read: SnapshotRead; dir: string; runStartSec: number },
  ctx: RunContext,
  context: ErrorContext,
): Promise<FolderReport> {
  const { folder, inbox } = target;
  const scanned = (await scanIfPresent(dir, context)) ?? [];
  const existing = existingByName(scanned);
  const { uidValidity, messages } = snapshot;
  const { entries, skips } = await run.records();
  const history = folderHistory(entries, folder.path, uidValidity, existing, skips);
  const inPlace = await changedInPlace(imap, dir, messages, existing, history, uidValidity, context);
  const box = await boxFolderOf(job, dir, context);
  const restore = restoreIn(job.restore ?? [], folder.path);
  const facts = { uidValidity, existing, history, changedInPlace: inPlace, box, restore };
  const withEvidence: WithEvidence = inbox
    ? inboxEvidence(job, { imap, snapshot, scanned, history, changedInPlace: inPlace, runStartSec }, context)
    : snapshotOnly((f) =>
        planFolder({
          folder: folder.path,
          facts: f,
          imap: messages,
          beforeSec: runStartSec,
          host: os.hostname(),
          maxSize: job.maxSize,
        }),
      );
  const report = (
    evidence: FolderEvidence,
    plan: FolderPlan,
    outcome: FolderOutcome | undefined,
    finished: boolean,
  ) => {
    const pop3 = evidence.pop3Report(outcome, finished);
    const unmatched = unmatchedIn(folder.path, restore, plan.messages);
    return {
      name: folder.path,
      ...(inbox ? {} : { dir: target.dirName }),
      uidValidity,
      imapMessages: messages.length,
      read,
      ...(job.dryRun ? { plan } : {}),
      ...folderCounts(plan, outcome),
      droppedFlags: countDropped(plan.messages),
      ...(outcome?.imapUids ? { imapUids: outcome.imapUids } : {}),
      ...(pop3 ? { pop3 } : {}),
      ...(unmatched.length > 0 ? { restoreUnmatched: unmatched } : {}),
    };
  };
  // Set once the write session has begun: from then on the report counts what was written.
  let begun:
    { evidence: FolderEvidence; plan: FolderPlan; session: FolderWriteSession; progress: Progress } | undefined;
  try {
    const opened = await withEvidence(async (evidence) => {
      const plan = evidence.plan(facts);
      const session = run.journal && (await FolderWriteSession.begin(dir, job.maildir, plan, run.journal, context));
      if (!session) return { evidence, plan };
      const progress = new Progress(ctx, job.user, folder.path, job.quiet);
      progress.expect(toCopy(plan.messages).map((m) => m.size));
      begun = { evidence, plan, session, progress };
      await session.during(() => evidence.copy(session, progress));
      return { evidence, plan, session, progress };
    });
    if (!opened.session) return report(opened.evidence, opened.plan, undefined, false);
    const { evidence, plan, session, progress } = opened;
    await session.during(() => copyFromImap(imap, session, plan.messages, messages, progress, context));
    const place = { dir, mailbox: target.mailbox };
    const outcome = await session.finish(job.deleteGone, (written) =>
      keepImapUids(job, place, snapshot, plan, written, entries, run.raises, context),
    );
    return report(evidence, plan, outcome, true);
  } catch (err) {
    if (!endsFolder(err) || !begun) throw err;
    // Cut short (a full disk, a stop signal): the report counts what was written before.
    const { evidence, plan, session } = begun;
    return { ...report(evidence, plan, session.soFar, false), ...cutShort(err) };
  } finally {
    // Nothing of the copy is shown late.
    begun?.progress.end();
  }
}

/**
 * The source's snapshot of the folder: only what changed since the snapshot the last run kept,
 * unless --full asks for every message. The INBOX's carries the header fields its POP3 evidence
 * matches by; its POP3 listing is read whole all the same (inbox-evidence.ts).
 */
async function readSnapshot(
  imap: ImapFlow,
  job: UserJob,
  { folder, inbox, dirName }: FolderTarget,
  context: ErrorContext,
): Promise<{ snapshot: FolderSnapshot; read: SnapshotRead }> {
  const kept = job.full ? undefined : await readKeptSnapshot(job.maildir, dirName, context);
  if (kept) return readFolderChanges(imap, folder, kept, context, inbox);
  return { snapshot: await readFolderSnapshot(imap, folder, context, inbox), read: 'full' };
}

/** Whether an error ends one folder's copy part-way, with what was written before still counted. */
function endsFolder(err: unknown): err is FolderError | Stopped {
  return err instanceof FolderError || err instanceof Stopped;
}

/** The error of a folder whose import ended part-way, and whether a stop ended it. */
function cutShort(err: FolderError | Stopped): { error: string; stopped?: true } {
  return err instanceof Stopped ? { error: err.message, stopped: true } : { error: err.detail };
}
