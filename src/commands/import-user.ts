import os from 'node:os';
import type { ImapFlow } from 'imapflow';
import type { ErrorContext } from '../errors.js';
import type { MessageSource } from '../maildir/deliver.js';
import { ensureMaildir, requireMaildir } from '../maildir/layout.js';
import { clearOurTmp, lockMaildir } from '../maildir/lock.js';
import { recordQuotaUse } from '../maildir/quota.js';
import { existingByName, type ScannedEntry } from '../maildir/scan.js';
import { planInbox, type InboxPlan } from '../plan/inbox.js';
import { countDropped } from '../plan/message.js';
import { bytesToWrite } from '../report/plan-bytes.js';
import type { FolderReport, HistoryReport, ImportReport } from '../report/types.js';
import { Journal, readJournal } from '../state/journal.js';
import { closeImap, openImap, readFolderSnapshot, type FolderSnapshot } from '../source/imap.js';
import { withPop3Session, type Pop3Connection } from '../source/pop3-client.js';
import { importFolders } from './import-folders.js';
import { matchInbox, type InboxMatch } from './match-inbox.js';
import { markNameConflicts } from './name-conflicts.js';
import { credentialsOf, type UserJob } from './user-job.js';
import {
  deliverCounted,
  finishFolder,
  newTally,
  scanIfPresent,
  startFolder,
  toWriteNow,
  writeFromImap,
  type JournalState,
  type WriteTally,
  type WriteTarget,
} from './write-messages.js';

/**
 * One user's import: look at the source (IMAP metadata first, POP3 late and in one short
 * session), plan, then write what the plan says. Runs as the mailbox owner.
 */
export async function importUser(job: UserJob): Promise<ImportReport> {
  const context: ErrorContext = { user: job.user, folder: 'INBOX' };
  const imap = await openImap(job.imap, credentialsOf(job), context);
  try {
    const snapshot = await readFolderSnapshot(imap, 'INBOX', context, true);
    if (job.dryRun && !job.createMaildir) await requireMaildir(job.maildir, context);
    if (job.dryRun)
      return await importAll(imap, job, snapshot, { entries: await readJournal(job.maildir, context) }, context);
    await ensureMaildir(job.maildir, context, job.createMaildir);
    const release = await lockMaildir(job.maildir, context);
    try {
      await clearOurTmp(job.maildir, context);
      const entries = await readJournal(job.maildir, context);
      const journal = await Journal.open(job.maildir, context);
      try {
        return await importAll(imap, job, snapshot, { entries, journal }, context);
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

/** INBOX, then the other folders, then the quota: everything a run does once the Maildir is ours. */
async function importAll(
  imap: ImapFlow,
  job: UserJob,
  snapshot: FolderSnapshot,
  journal: JournalState,
  context: ErrorContext,
): Promise<ImportReport> {
  const runStartSec = Math.floor(Date.now() / 1000);
  const existingFiles = await scanIfPresent(job.maildir, context);
  const tally = newTally();
  // Everything POP3 is needed for (listing, matching evidence, fetching) happens in this one session.
  const inPop3 = async (pop3?: Pop3Connection) => {
    const match = pop3 ? await matchInbox(job.uidl, snapshot, pop3, imap, context) : undefined;
    const ours = new Set(journal.entries.filter((e) => e.folder === 'INBOX').map((e) => e.name));
    const plan = await markNameConflicts(
      job.maildir,
      makePlan(snapshot, match, existingFiles, runStartSec),
      snapshot.messages,
      ours,
      context,
    );
    const folder = startFolder(journal, job.maildir, 'INBOX', snapshot.uidValidity, existingFiles, plan.messages);
    if (pop3 && folder.target) await writeViaPop3(pop3, folder.target, plan, tally, context);
    return { plan, match, folder };
  };
  const { plan, match, folder } =
    job.uidl === 'off' ? await inPop3() : await withPop3Session(job.pop3, credentialsOf(job), context, inPop3);
  if (folder.target)
    await writeFromImap(
      imap,
      folder.target,
      `${job.user} INBOX`,
      job.quiet,
      plan.messages,
      snapshot.messages,
      tally,
      context,
    );
  const history = await finishFolder(job.maildir, folder.history, tally, job.deleteGone, job.dryRun, context);
  const folders = await importFolders(imap, job, journal, runStartSec);
  if (!job.dryRun) {
    const all = [tally, ...folders.map((f) => f.tally)];
    await recordQuotaUse(
      job.maildir,
      sum(all, (t) => t.bytes),
      sum(all, (t) => t.messages),
      context,
    );
  }
  return importReport(
    job,
    plan,
    snapshot.messages.length,
    match?.pop3.length ?? 0,
    tally,
    history,
    folders.map((f) => f.report),
    bytesToWrite(plan.messages, snapshot.messages, match?.pop3),
  );
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((n, i) => n + pick(i), 0);
}

function makePlan(
  snapshot: FolderSnapshot,
  match: InboxMatch | undefined,
  existingFiles: ScannedEntry[],
  runStartSec: number,
): InboxPlan {
  return planInbox({
    uidValidity: snapshot.uidValidity,
    imap: match?.copyImap === false ? [] : snapshot.messages,
    matched: match?.matched,
    viaPop3: match?.viaPop3,
    existing: existingByName(existingFiles),
    // Every second a file already holds is taken: no two files may share one (qmail-pop3d.md).
    otherMtimesSec: new Set(existingFiles.map((e) => e.mtimeSec)),
    beforeSec: runStartSec,
    host: os.hostname(),
  });
}

/** Writes, one at a time from the open POP3 session, the planned messages only POP3 has. */
async function writeViaPop3(
  pop3: Pop3Connection,
  target: WriteTarget,
  plan: InboxPlan,
  tally: WriteTally,
  context: ErrorContext,
): Promise<void> {
  for (const m of toWriteNow(plan.messages, target, tally, 'pop3')) {
    const fetch: MessageSource = async (write) => {
      // Lines are gathered into larger writes: one write per line would crawl for a big message.
      let chunks: Buffer[] = [];
      let size = 0;
      await pop3.session.eachMessageLine(m.pop3N as number, async (line) => {
        chunks.push(line, LF);
        size += line.length + 1;
        if (size < POP3_WRITE_BYTES) return;
        await write(Buffer.concat(chunks));
        chunks = [];
        size = 0;
      });
      if (size > 0) await write(Buffer.concat(chunks));
    };
    await deliverCounted(target, m, fetch, tally, context);
  }
}

const LF = Buffer.from('\n');
const POP3_WRITE_BYTES = 256 * 1024;

function importReport(
  job: UserJob,
  plan: InboxPlan,
  imapCount: number,
  pop3Count: number,
  tally: WriteTally,
  history: HistoryReport,
  folders: FolderReport[],
  bytes: number,
): ImportReport {
  const matchedBy: Record<string, number> = {};
  for (const m of plan.messages)
    if (m.matchedBy && !m.downloadAgain) matchedBy[m.matchedBy] = (matchedBy[m.matchedBy] ?? 0) + 1;
  return {
    kind: 'import',
    user: job.user,
    maildir: job.maildir,
    dryRun: job.dryRun,
    inbox: {
      uidValidity: plan.uidValidity,
      formula: plan.formula,
      uidlMode: job.uidl,
      imapMessages: imapCount,
      pop3Messages: pop3Count,
      toWrite: plan.messages.filter((m) => m.action === 'write').length,
      bytesToWrite: bytes,
      alreadyPresent: plan.messages.filter((m) => m.action === 'present' || m.action === 'reflag').length,
      uidlsKept: Object.values(matchedBy).reduce((a, b) => a + b, 0),
      matchedBy,
      downloadAgain: plan.messages
        .filter((m) => m.downloadAgain)
        .map((m) => ({ uid: m.uid, uidl: m.uidl, reason: m.downloadAgain as string })),
      unmatchedPop3: plan.unmatchedPop3,
      droppedFlags: countDropped(plan.messages),
      reflagged: tally.reflagged,
      errors: tally.errors,
      conflicts: plan.messages.flatMap((m) => (m.conflict ? [m.conflict] : [])),
      outOfOrder: plan.outOfOrder,
      history,
    },
    folders,
    ...(job.dryRun ? { plan } : {}),
  };
}
