import type { ImapFlow } from 'imapflow';
import { FolderError, ImportError, type ErrorContext } from '../errors.js';
import { resolveImapServer } from '../maildir/imap-server.js';
import { ensureMaildir, requireMaildir } from '../maildir/layout.js';
import { clearOurTmp, lockMaildir } from '../maildir/lock.js';
import { checkQuotaFile, quotaAfter } from '../maildir/quota.js';
import { addSubscriptions } from '../maildir/subscriptions.js';
import type { FolderReport, ImportReport } from '../report/types.js';
import { marksWrittenMs, readMarks, writeMarks, type FolderMark } from '../state/folder-marks.js';
import { Journal, readJournal, type JournalContents } from '../state/journal.js';
import { closeImap, listFolders, openImap, type SourceFolder } from '../source/imap.js';
import { emptyPop3Report } from '../report/empty-reports.js';
import { importFolder, type RunState } from '../import/folder-import.js';
import { folderNotRead } from '../plan/restore.js';
import { filesAsWritten } from '../import/files-as-written.js';
import type { RunContext } from '../run-context.js';
import { credentialsOf, type UserJob } from '../user-job.js';
import { importFolders } from './folder-loop.js';
import { nextMarks } from './next-marks.js';
import { MODSEQ_RAISES_AT_ONCE } from '../limits.js';
import { TaskPool } from '../task-pool.js';

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
    // --restore reads every folder too: what it brings back may be in one the source left as it was.
    const marks = async () =>
      job.full || job.restore ? new Map<string, FolderMark>() : await readMarks(job.maildir, context);
    // Read once, when the first folder that changed needs it: before that folder writes a line.
    let contents: Promise<JournalContents> | undefined;
    const records = () =>
      (contents ??= readJournal(job.maildir, context).catch((err: unknown) => {
        throw err instanceof FolderError ? new JournalUnreadable(err.detail, { ...context, cause: err }) : err;
      }));
    // A Maildir path with a typo is an error, not a second Maildir: created only with --create.
    if (job.dryRun && !job.createMaildir) await requireMaildir(job.maildir, context, job.owner);
    if (job.dryRun) return await importAll(imap, job, listed, { records, marks: await marks() }, ctx);
    await ensureMaildir(job.maildir, context, job.createMaildir, job.owner);
    const release = await lockMaildir(job.maildir, context);
    try {
      await clearOurTmp(job.maildir, context);
      await checkQuotaFile(job.maildir, context);
      const journal = await Journal.open(job.maildir, context);
      try {
        return await importAll(imap, job, listed, { records, journal, marks: await marks() }, ctx);
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

/** Every folder, then the subscriptions and the marks: everything a run does once the Maildir is ours. */
async function importAll(
  imap: ImapFlow,
  job: UserJob,
  listed: SourceFolder[],
  given: Omit<RunState, 'raises'>,
  ctx: RunContext,
): Promise<ImportReport> {
  const runStartSec = Math.floor(Date.now() / 1000);
  const marksMs = await marksWrittenMs(job.maildir);
  const run: RunState = { ...given, raises: new TaskPool(MODSEQ_RAISES_AT_ONCE) };
  let done: Awaited<ReturnType<typeof importFolders>>;
  try {
    done = await importFolders(
      job,
      listed,
      run.marks,
      (target) => importFolder(imap, job, run, target, runStartSec, ctx),
      (target, mark) => filesAsWritten(job, run.records, target, mark.uidValidity, marksMs),
    );
  } finally {
    // The folders' reports are complete once their raises are (imap-uid-input.ts), and none may
    // run on after the Maildir's lock is let go.
    await run.raises.settle();
  }
  const { results, notStarted, subscribe } = done;
  const bookkeepingErrors: string[] = [];
  if (run.journal) {
    bookkeepingErrors.push(
      ...(await bookkeeping('subscriptions', () => addSubscriptions(job.maildir, subscribe, { user: job.user }))),
      // A run that read no folder leaves the marks alone: the same text, and their time still the end
      // of the last run that wrote here (src/import/files-as-written.ts).
      ...(results.every((r) => r.report.unchanged)
        ? []
        : await bookkeeping('qmail-import.marks (the next run reads every folder)', () =>
            writeMarks(job.maildir, nextMarks(run.marks, results), { user: job.user }),
          )),
    );
  }
  const [first, ...folders] = results.map((r) => r.report) as [FolderReport, ...FolderReport[]];
  const inbox = { pop3: emptyPop3Report(job.uidl), ...first };
  const stoppedIn = results.find((r) => r.report.stopped)?.report.name;
  const reports = [inbox, ...folders];
  const tooBig = reports.flatMap((r) => r.overMaxSize);
  // A dry run wrote nothing: the quota as it would be after the planned writes.
  const planned = job.dryRun
    ? { bytes: sum(reports, (r) => r.bytesToWrite), messages: sum(reports, (r) => r.toWrite) }
    : undefined;
  const quota = await quotaAfter(job.maildir, planned, { user: job.user });
  const noFolder = folderNotRead(job.restore ?? [], [...reports.map((r) => r.name), ...notStarted]);
  return {
    kind: 'import',
    user: job.user,
    maildir: job.maildir,
    dryRun: job.dryRun,
    inbox,
    folders,
    written: { messages: sum(reports, (r) => r.written), bytes: sum(reports, (r) => r.writtenBytes) },
    ...(job.maxSize !== undefined
      ? { overMaxSize: { limitBytes: job.maxSize, messages: tooBig.length, bytes: sum(tooBig, (m) => m.size) } }
      : {}),
    ...(quota ? { quota } : {}),
    ...(stoppedIn ? { stopped: { folder: stoppedIn, notStarted } } : {}),
    ...(noFolder.length > 0 ? { restoreNoFolder: noFolder } : {}),
    ...(bookkeepingErrors.length > 0 ? { bookkeepingErrors } : {}),
  };
}

/**
 * A file besides the messages (marks, subscriptions) written after the mail: its failure is named
 * in the report beside what was written, never instead of it (docs/faults.md).
 */
async function bookkeeping(what: string, write: () => Promise<void>): Promise<string[]> {
  try {
    await write();
    return [];
  } catch (err) {
    if (!(err instanceof FolderError)) throw err;
    return [`${what} not written: ${err.detail}`];
  }
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((n, i) => n + pick(i), 0);
}

/** The journal could not be read: the user's whole run ends here, as no folder can be planned without it. */
class JournalUnreadable extends ImportError {}
