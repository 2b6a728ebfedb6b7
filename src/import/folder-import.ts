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
import { folderHistory } from '../plan/history.js';
import { countDropped } from '../plan/message.js';
import { Progress, StopRequested } from '../report/progress.js';
import { folderCounts } from './folder-counts.js';
import type { FolderReport } from '../report/types.js';
import type { JournalEntry, JournalSkip, Journal } from '../state/journal.js';
import { readFolderSnapshot, type SourceFolder } from '../source/imap.js';
import { unchangedSince, type FolderMark, type FolderStatus } from '../state/folder-marks.js';
import { copyFromImap } from './copy-messages.js';
import { FolderWriteSession, type FolderOutcome } from './folder-session.js';
import { keepImapUids } from './imap-uid-input.js';
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

/**
 * Every selectable folder but INBOX, each into its Maildir++ folder, then the subscriptions. A
 * folder that cannot be mapped or written gets its own error and the others go on; a lost
 * connection (SourceError) ends the user's import.
 */
export async function importFolders(
  imap: ImapFlow,
  job: UserJob,
  run: RunState,
  runStartSec: number,
  listed: readonly SourceFolder[],
): Promise<FolderResult[]> {
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
  for (const folder of folders) {
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
      const report = await importFolder(imap, job, run, folder, mapping.dir, runStartSec);
      results.push({ report: { ...report, ...renamed }, ...(folder.status ? { status: folder.status } : {}) });
      subscribeIfWanted();
    } catch (err) {
      if (!(err instanceof FolderError) || err instanceof StopRequested) throw err;
      failed(err.detail, mapping.dir);
    }
  }
  if (!job.dryRun) await addSubscriptions(job.maildir, subscribe, context);
  return results;
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
): Promise<FolderReport> {
  const context: ErrorContext = { user: job.user, folder: folder.path };
  const dir = path.join(job.maildir, dirName);
  const snapshot = await readFolderSnapshot(imap, folder.path, context);
  if (run.journal) {
    await ensureMaildir(dir, context, true, job.owner);
    await markAsFolder(dir, context);
    // The Maildir's lock, taken by importUser, covers its folders.
    await clearOurTmp(dir, context);
  }
  const existing = existingByName((await scanIfPresent(dir, context)) ?? []);
  const facts = {
    uidValidity: snapshot.uidValidity,
    existing,
    history: folderHistory(run.entries, folder.path, snapshot.uidValidity, existing, run.skips),
  };
  const plan = planFolder({
    folder: folder.path,
    facts,
    imap: snapshot.messages,
    beforeSec: runStartSec,
    host: os.hostname(),
    maxSize: job.maxSize,
  });
  let outcome: FolderOutcome | undefined;
  if (run.journal) {
    const session = await FolderWriteSession.begin(dir, job.maildir, plan, run.journal, context);
    const progress = new Progress(`${job.user} ${folder.path}`, !job.quiet);
    await session.during(() => copyFromImap(imap, session, plan.messages, snapshot.messages, progress, context));
    outcome = await session.finish(job.deleteGone);
  }
  const imapUids = outcome && (await keepImapUids(job, dir, snapshot, plan, run.entries, context));
  return {
    name: folder.path,
    dir: dirName,
    imapMessages: snapshot.messages.length,
    ...folderCounts(plan, outcome),
    droppedFlags: countDropped(plan.messages),
    ...(imapUids ? { imapUids } : {}),
  };
}
