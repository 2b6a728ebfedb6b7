import type { ImapFlow } from 'imapflow';
import { FolderError, type ErrorContext } from '../errors.js';
import { resolveImapServer } from '../maildir/imap-server.js';
import { ensureMaildir, requireMaildir } from '../maildir/layout.js';
import { clearOurTmp, lockMaildir } from '../maildir/lock.js';
import { checkQuotaFile, quotaAfter } from '../maildir/quota.js';
import { folderClean, inboxClean, type HistoryReport, type InboxReport, type ImportReport } from '../report/types.js';
import { readMarks, unchangedSince, writeMarks, type FolderMark } from '../state/folder-marks.js';
import { Journal, readJournal } from '../state/journal.js';
import { closeImap, listFolders, openImap, type SourceFolder } from '../source/imap.js';
import { bookkeeping, importFolders, type FolderResult, type RunState } from '../import/folder-import.js';
import { failedInbox, importInbox, unchangedInbox } from '../import/inbox-import.js';
import type { RunContext } from '../run-context.js';
import { credentialsOf, folderWanted, outsideNamespaces, type UserJob } from '../user-job.js';

/**
 * One user's import: look at the source (the folder list with each folder's STATUS first), then
 * the INBOX and every other folder that changed since the last complete run. Runs as the mailbox
 * owner.
 */
export async function importUser(job: UserJob, ctx: RunContext): Promise<ImportReport> {
  const imapServer = resolveImapServer(job.imapServer, job.maildir);
  return { ...(await importUserAs({ ...job, imapServer: imapServer.server }, ctx)), imapServer };
}

async function importUserAs(job: UserJob, ctx: RunContext): Promise<ImportReport> {
  const context: ErrorContext = { user: job.user };
  const imap = await openImap(job.imap, credentialsOf(job), context);
  try {
    const listed = await listFolders(imap, context, true);
    const marks = async () => (job.full ? new Map<string, FolderMark>() : await readMarks(job.maildir, context));
    // A Maildir path with a typo is an error, not a second Maildir: created only with --create.
    if (job.dryRun && !job.createMaildir) await requireMaildir(job.maildir, context, job.owner);
    if (job.dryRun)
      return await importAll(
        imap,
        job,
        listed,
        { ...(await readJournal(job.maildir, context)), marks: await marks() },
        ctx,
      );
    await ensureMaildir(job.maildir, context, job.createMaildir, job.owner);
    const release = await lockMaildir(job.maildir, context);
    try {
      await clearOurTmp(job.maildir, context);
      await checkQuotaFile(job.maildir, context);
      const contents = await readJournal(job.maildir, context);
      const journal = await Journal.open(job.maildir, context);
      try {
        return await importAll(imap, job, listed, { ...contents, journal, marks: await marks() }, ctx);
      } finally {
        await journal.close();
      }
    } finally {
      await release();
    }
  } finally {
    await closeImap(imap);
  }
}

/** INBOX, then the other folders, then the marks: everything a run does once the Maildir is ours. */
async function importAll(
  imap: ImapFlow,
  job: UserJob,
  listed: SourceFolder[],
  run: RunState,
  ctx: RunContext,
): Promise<ImportReport> {
  const runStartSec = Math.floor(Date.now() / 1000);
  const inboxStatus = listed.find((f) => f.path.toUpperCase() === 'INBOX')?.status;
  const inboxMark = run.marks.get('INBOX');
  const done =
    inboxMark && unchangedSince(inboxMark, inboxStatus)
      ? { inbox: unchangedInbox(job, inboxMark) }
      : await importInbox(imap, job, run, runStartSec, ctx).catch((err: unknown) => {
          // The INBOX alone cannot be done (POP3 refused after login, a full disk); other folders still can.
          if (!(err instanceof FolderError)) throw err;
          return { inbox: failedInbox(job, err.detail) };
        });
  // A stop in the INBOX starts no other folder.
  const {
    results: folders,
    notStarted,
    bookkeepingErrors,
  } = done.inbox.stopped
    ? { results: [], notStarted: otherFolders(job, listed), bookkeepingErrors: [] }
    : await importFolders(imap, job, run, runStartSec, listed, ctx);
  if (run.journal) {
    const marks = nextMarks(run.marks, inboxStatus, done.inbox, folders);
    bookkeepingErrors.push(
      ...(await bookkeeping('qmail-import.marks (the next run reads every folder)', () =>
        writeMarks(job.maildir, marks, { user: job.user }),
      )),
    );
  }
  const reports = [done.inbox, ...folders.map((f) => f.report)];
  const stoppedIn = done.inbox.stopped ? 'INBOX' : folders.find((f) => f.report.stopped)?.report.name;
  const tooBig = reports.flatMap((r) => r.overMaxSize);
  // A dry run wrote nothing: the quota as it would be after the planned writes.
  const planned = job.dryRun
    ? { bytes: sum(reports, (r) => r.bytesToWrite), messages: sum(reports, (r) => r.toWrite) }
    : undefined;
  const quota = await quotaAfter(job.maildir, planned, { user: job.user });
  return {
    kind: 'import',
    user: job.user,
    maildir: job.maildir,
    dryRun: job.dryRun,
    inbox: done.inbox,
    folders: folders.map((f) => f.report),
    written: { messages: sum(reports, (r) => r.written), bytes: sum(reports, (r) => r.writtenBytes) },
    ...(job.maxSize !== undefined
      ? { overMaxSize: { limitBytes: job.maxSize, messages: tooBig.length, bytes: sum(tooBig, (m) => m.size) } }
      : {}),
    ...(quota ? { quota } : {}),
    ...(job.dryRun && 'plan' in done ? { plan: done.plan } : {}),
    ...(stoppedIn ? { stopped: { folder: stoppedIn, notStarted } } : {}),
    ...(bookkeepingErrors.length > 0 ? { bookkeepingErrors } : {}),
  };
}

/** The folders besides INBOX this run would read, by source name. */
function otherFolders(job: UserJob, listed: readonly SourceFolder[]): string[] {
  const wanted = (f: SourceFolder) =>
    f.selectable && f.path.toUpperCase() !== 'INBOX' && folderWanted(job, f.path) && !outsideNamespaces(job, f);
  return listed.filter(wanted).map((f) => f.path);
}

/**
 * The marks for the next run: a folder done completely and cleanly now is marked with the STATUS
 * it had before this run read it (mail that came in since changes STATUS, so it is read next
 * time); any other folder this run read loses its mark.
 */
function nextMarks(
  marks: ReadonlyMap<string, FolderMark>,
  inboxStatus: SourceFolder['status'],
  inbox: InboxReport,
  folders: readonly FolderResult[],
): Map<string, FolderMark> {
  const next = new Map(marks);
  const mark = (name: string, clean: boolean, status: SourceFolder['status'], extra: Partial<FolderMark> = {}) => {
    if (clean && status) next.set(name, { ...status, ...extra });
    else next.delete(name);
  };
  // Files kept although the source deleted them wait for a --delete, messages above --max-size for
  // a run without it: that run must read the folder.
  const settled = (r: { history?: HistoryReport; overMaxSize: readonly unknown[] }) =>
    r.overMaxSize.length === 0 && (!r.history || r.history.goneFromSource.length === 0 || r.history.goneDeleted);
  if (!inbox.unchanged)
    mark('INBOX', inboxClean(inbox) && settled(inbox), inboxStatus, {
      pop3Messages: inbox.pop3Messages,
      uidlsKept: inbox.uidlsKept,
    });
  for (const f of folders)
    if (!f.report.unchanged) mark(f.report.name, folderClean(f.report) && settled(f.report), f.status);
  return next;
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((n, i) => n + pick(i), 0);
}
