import os from 'node:os';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import { FolderError, type ErrorContext } from '../errors.js';
import { folderNameEncodingOf, maildirFolderFor } from '../maildir/folder-name.js';
import { ensureMaildir, markAsFolder } from '../maildir/layout.js';
import { clearOurTmp } from '../maildir/lock.js';
import { existingByName, scanIfPresent } from '../maildir/scan.js';
import { addSubscriptions } from '../maildir/subscriptions.js';
import { planFolder } from '../plan/folder.js';
import { countDropped } from '../plan/message.js';
import { Progress } from '../report/progress.js';
import { Stopped, type RunContext } from '../run-context.js';
import { folderCounts } from './folder-counts.js';
import type { FolderReport } from '../report/types.js';
import type { JournalEntry, JournalSkip } from '../journal-records.js';
import type { Journal } from '../state/journal.js';
import { folderHistory } from '../state/records.js';
import { readFolderSnapshot, type SourceFolder } from '../source/imap.js';
import { unchangedSince, type FolderMark, type FolderStatus } from '../state/folder-marks.js';
import { changedInPlace } from './changed-in-place.js';
import { copyFromImap } from './copy-messages.js';
import type { FolderOutcome } from './folder-outcome.js';
import { FolderWriteSession } from './folder-session.js';
import { boxFolderOf, keepImapUids } from './imap-uid-input.js';
import { folderWanted, outsideNamespaces, type UserJob } from '../user-job.js';

/** What the Maildir's own records held at the start of the run, and the journal's writer (none in a dry run). */
export interface RunState {
  entries: readonly JournalEntry[];
  /** Messages earlier runs skipped as above --max-size. */
  skips: readonly JournalSkip[];
  journal?: Journal;
  /** Folders the last complete runs read cleanly, with their STATUS then. */
  marks: ReadonlyMap<string, FolderMark>;
}

/** One folder's report, and its STATUS when this run listed it. */
export interface FolderResult {
  report: FolderReport;
  status?: FolderStatus;
}

/** The folders' reports; after a stop, the folders not started; what bookkeeping failed. */
export interface FoldersDone {
  results: FolderResult[];
  notStarted: string[];
  bookkeepingErrors: string[];
}

/**
 * Every selectable folder but INBOX, each into its Maildir++ folder, then the subscriptions. A
 * folder that cannot be mapped or written gets its own error and the others go on; a stop signal
 * ends the loop after its folder; a lost connection (SourceError) ends the user's import.
 */
export async function importFolders(
  imap: ImapFlow,
  job: UserJob,
  run: RunState,
  runStartSec: number,
  listed: readonly SourceFolder[],
  ctx: RunContext,
): Promise<FoldersDone> {
  const context: ErrorContext = { user: job.user };
  const results: FolderResult[] = [];
  const folders = listed.filter((f) => {
    if (!f.selectable || f.path.toUpperCase() === 'INBOX' || !folderWanted(job, f.path)) return false;
    const skipped = outsideNamespaces(job, f);
    if (skipped) results.push({ report: { ...emptyReport(f.path), skipped } });
    return !skipped;
  });
  const dirs = new Map<string, string>();
  const subscribe: string[] = [];
  let next = 0;
  while (next < folders.length && !results.at(-1)?.report.stopped) {
    const folder = folders[next++] as SourceFolder;
    const mapping = maildirFolderFor(folder.parts, folderNameEncodingOf(job.imapServer));
    const failed = (error: string, dir?: string) =>
      results.push({ report: { ...emptyReport(folder.path), ...(dir ? { dir } : {}), error } });
    if (!mapping.ok) {
      failed(`cannot become a Maildir++ folder: name ${mapping.reason}`);
      continue;
    }
    const clash = dirs.get(mapping.dir);
    if (clash !== undefined) {
      failed(`maps to ${mapping.dir} like folder ${clash}; not imported`, mapping.dir);
      continue;
    }
    dirs.set(mapping.dir, folder.path);
    // Subscribed only once it is here: a folder deleted or renamed at the source since LIST is not.
    const subscribeIfWanted = () => {
      if (folder.subscribed) subscribe.push(mapping.virtualName);
    };
    const renamed = mapping.renamed ? { renamedFrom: mapping.renamed } : {};
    const mark = run.marks.get(folder.path);
    if (mark && unchangedSince(mark, folder.status)) {
      const n = mark.messages;
      const report = { ...emptyReport(folder.path), dir: mapping.dir, imapMessages: n, alreadyPresent: n };
      results.push({ report: { ...report, ...renamed, unchanged: true } });
      subscribeIfWanted();
      continue;
    }
    try {
      const report = await importFolder(imap, job, run, folder, mapping.dir, runStartSec, ctx);
      results.push({ report: { ...report, ...renamed }, ...(folder.status ? { status: folder.status } : {}) });
      subscribeIfWanted();
    } catch (err) {
      if (!(err instanceof FolderError)) throw err;
      failed(err.detail, mapping.dir);
    }
  }
  const bookkeepingErrors = job.dryRun
    ? []
    : await bookkeeping('subscriptions', () => addSubscriptions(job.maildir, subscribe, context));
  return { results, notStarted: folders.slice(next).map((f) => f.path), bookkeepingErrors };
}

/**
 * A file besides the messages (marks, subscriptions) written after the mail: its failure is named
 * in the report beside what was written, never instead of it (docs/faults.md).
 */
export async function bookkeeping(what: string, write: () => Promise<void>): Promise<string[]> {
  try {
    await write();
    return [];
  } catch (err) {
    if (!(err instanceof FolderError)) throw err;
    return [`${what} not written: ${err.detail}`];
  }
}

function emptyReport(name: string): FolderReport {
  return {
    name,
    imapMessages: 0,
    toWrite: 0,
    bytesToWrite: 0,
    written: 0,
    writtenBytes: 0,
    alreadyPresent: 0,
    reflagged: 0,
    droppedFlags: {},
    errors: [],
    overMaxSize: [],
  };
}

async function importFolder(
  imap: ImapFlow,
  job: UserJob,
  run: RunState,
  folder: SourceFolder,
  dirName: string,
  runStartSec: number,
  ctx: RunContext,
): Promise<FolderReport> {
  const context: ErrorContext = { user: job.user, folder: folder.path };
  const dir = path.join(job.maildir, dirName);
  const snapshot = await readFolderSnapshot(imap, folder, context);
  if (run.journal) {
    await ensureMaildir(dir, context, true, job.owner);
    await markAsFolder(dir, context);
    // The Maildir's lock, taken by importUser, covers its folders.
    await clearOurTmp(dir, context);
  }
  const existing = existingByName((await scanIfPresent(dir, context)) ?? []);
  const history = folderHistory(run.entries, folder.path, snapshot.uidValidity, existing, run.skips);
  const facts = {
    uidValidity: snapshot.uidValidity,
    existing,
    history,
    changedInPlace: await changedInPlace(
      imap,
      dir,
      snapshot.messages,
      existing,
      history,
      snapshot.uidValidity,
      context,
    ),
    box: await boxFolderOf(job, dir, context),
  };
  const plan = planFolder({
    folder: folder.path,
    facts,
    imap: snapshot.messages,
    beforeSec: runStartSec,
    host: os.hostname(),
    maxSize: job.maxSize,
  });
  const base = {
    name: folder.path,
    dir: dirName,
    imapMessages: snapshot.messages.length,
    ...(job.dryRun ? { plan } : {}),
  };
  let session: FolderWriteSession | undefined;
  try {
    let outcome: FolderOutcome | undefined;
    if (run.journal) {
      session = await FolderWriteSession.begin(dir, job.maildir, plan, run.journal, context);
      const progress = new Progress(ctx, job.user, folder.path, job.quiet);
      const writing = session;
      await session.during(() => copyFromImap(imap, writing, plan.messages, snapshot.messages, progress, context));
      outcome = await session.finish(job.deleteGone);
    }
    // doveadm takes the name in UTF-8; its directory is the same one (Dovecot stores it in modified UTF-7).
    const utf8 = maildirFolderFor(folder.parts, 'utf8');
    const place = { dir, mailbox: utf8.ok ? utf8.virtualName : dirName.slice(1) };
    const imapUids = outcome && (await keepImapUids(job, place, snapshot, plan, outcome, run.entries, context));
    return {
      ...base,
      ...folderCounts(plan, outcome),
      droppedFlags: countDropped(plan.messages),
      ...(imapUids ? { imapUids } : {}),
    };
  } catch (err) {
    if (!endsFolder(err) || !session) throw err;
    // Cut short (a full disk, a stop signal): the report counts what was written before.
    return {
      ...base,
      ...folderCounts(plan, session.soFar),
      droppedFlags: countDropped(plan.messages),
      ...cutShort(err),
    };
  }
}

/** Whether an error ends one folder's copy part-way, with what was written before still counted. */
export function endsFolder(err: unknown): err is FolderError | Stopped {
  return err instanceof FolderError || err instanceof Stopped;
}

/** The error of a folder whose import ended part-way, and whether a stop ended it. */
export function cutShort(err: FolderError | Stopped): { error: string; stopped?: true } {
  return err instanceof Stopped ? { error: err.message, stopped: true } : { error: err.detail };
}
