import os from 'node:os';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import type { ErrorContext } from '../errors.js';
import { crlfExtra } from '../maildir/line-endings.js';
import { resolveImapServer } from '../maildir/imap-server.js';
import { ensureMaildir } from '../maildir/layout.js';
import { clearOurTmp, lockMaildir } from '../maildir/lock.js';
import { recordQuotaUse } from '../maildir/quota.js';
import { existingByName, scanIfPresent, type ScannedEntry } from '../maildir/scan.js';
import { folderHistory } from '../plan/history.js';
import { planInbox, type InboxPlan } from '../plan/inbox.js';
import { countDropped, type FolderFacts } from '../plan/message.js';
import { withKeptKeywords } from '../report/dropped-flags.js';
import { folderCounts } from '../report/folder-counts.js';
import { Progress } from '../report/progress.js';
import type { FolderReport, ImportReport } from '../report/types.js';
import { Journal, readJournal } from '../state/journal.js';
import { closeImap, openImap, readFolderSnapshot, type FolderSnapshot } from '../source/imap.js';
import { withPop3Session, type Pop3Connection } from '../source/pop3-client.js';
import { copyFromImap, copyFromPop3 } from './copy-messages.js';
import { FolderWriteSession, type FolderOutcome } from './folder-write.js';
import { keepImapUids } from './imap-uid-input.js';
import { importFolders, type JournalState } from './import-folders.js';
import { matchInbox, type InboxMatch } from './match-inbox.js';
import { credentialsOf, type UserJob } from './user-job.js';

/**
 * One user's import: look at the source (IMAP metadata first, POP3 late and in one short
 * session), plan, then write what the plan says. Runs as the mailbox owner.
 */
export async function importUser(job: UserJob): Promise<ImportReport> {
  const imapServer = resolveImapServer(job.imapServer, job.maildir);
  return withKeptKeywords({ ...(await importUserAs({ ...job, imapServer: imapServer.server })), imapServer });
}

async function importUserAs(job: UserJob): Promise<ImportReport> {
  const context: ErrorContext = { user: job.user, folder: 'INBOX' };
  const imap = await openImap(job.imap, credentialsOf(job), context);
  try {
    const snapshot = await readFolderSnapshot(imap, 'INBOX', context, true);
    if (job.dryRun)
      return await importAll(imap, job, snapshot, { entries: await readJournal(job.maildir, context) }, context);
    await ensureMaildir(job.maildir, context);
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
  const scanned = (await scanIfPresent(job.maildir, context)) ?? [];
  const existing = existingByName(scanned);
  const history = folderHistory(journal.entries, 'INBOX', snapshot.uidValidity, existing);
  // Everything POP3 is needed for (listing, matching evidence, fetching) happens in this one session.
  const inPop3 = async (pop3?: Pop3Connection) => {
    const match = pop3 ? await matchInbox(job.uidl, snapshot, pop3, imap, history.recordOf, context) : undefined;
    const facts: FolderFacts = {
      uidValidity: snapshot.uidValidity,
      existing,
      history,
      foreignCrlfSize: await foreignCrlfSizes(job.maildir, scanned, match, history.recordOf, context),
    };
    const plan = makePlan(snapshot, match, facts, scanned, runStartSec);
    const session = journal.journal && (await FolderWriteSession.begin(job.maildir, plan, journal.journal, context));
    if (pop3 && session) await session.during(() => copyFromPop3(pop3, session, plan.messages));
    return { plan, match, session };
  };
  const { plan, match, session } =
    job.uidl === 'off' ? await inPop3() : await withPop3Session(job.pop3, credentialsOf(job), context, inPop3);
  let outcome: FolderOutcome | undefined;
  if (session) {
    const progress = new Progress(`${job.user} INBOX`, !job.quiet);
    await session.during(() => copyFromImap(imap, session, plan.messages, snapshot.messages, progress, context));
    outcome = await session.finish(job.deleteGone);
    await recordQuotaUse(job.maildir, outcome.bytes, outcome.messages, context);
  }
  const imapUids = session && (await keepImapUids(job, job.maildir, snapshot, plan, journal.entries, context));
  const folders = await importFolders(imap, job, journal, runStartSec);
  for (const f of folders)
    if (f.outcome) await recordQuotaUse(job.maildir, f.outcome.bytes, f.outcome.messages, context);
  const report = importReport(
    job,
    plan,
    snapshot.messages.length,
    match?.pop3.length ?? 0,
    outcome,
    folders.map((f) => f.report),
  );
  if (imapUids) report.inbox.imapUids = imapUids;
  return report;
}

/**
 * CRLF sizes of the INBOX files we did not write that bear a name the source's POP3 listing has:
 * the plan takes such a file as that message when the sizes agree, else leaves it alone as a
 * conflict. Only those files are read.
 */
async function foreignCrlfSizes(
  maildir: string,
  scanned: readonly ScannedEntry[],
  match: InboxMatch | undefined,
  ours: ReadonlyMap<string, unknown>,
  context: ErrorContext,
): Promise<Map<string, number>> {
  const uidls = new Set(match?.pop3.map((p) => p.uidl));
  const sizes = new Map<string, number>();
  for (const [name, e] of existingByName(scanned)) {
    if (!uidls.has(name) || ours.has(name)) continue;
    const file = path.join(maildir, e.dir, e.file);
    const entry = scanned.find((s) => s.dir === e.dir && s.name === e.file) as ScannedEntry;
    sizes.set(name, entry.size + (await crlfExtra(file, context)));
  }
  return sizes;
}

function makePlan(
  snapshot: FolderSnapshot,
  match: InboxMatch | undefined,
  facts: FolderFacts,
  scanned: readonly ScannedEntry[],
  runStartSec: number,
): InboxPlan {
  return planInbox({
    facts,
    imap: match?.copyImap === false ? [] : snapshot.messages,
    matched: match?.matched,
    viaPop3: match?.viaPop3,
    // Every second a file already holds is taken: no two files may share one (docs/qmail-pop3d.md).
    otherMtimesSec: new Set(scanned.map((e) => e.mtimeSec)),
    beforeSec: runStartSec,
    host: os.hostname(),
  });
}

function importReport(
  job: UserJob,
  plan: InboxPlan,
  imapCount: number,
  pop3Count: number,
  outcome: FolderOutcome | undefined,
  folders: FolderReport[],
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
      ...folderCounts(plan, outcome),
      uidlsKept: Object.values(matchedBy).reduce((a, b) => a + b, 0),
      matchedBy,
      sharedUidls: plan.sharedUidls,
      downloadAgain: plan.messages
        .filter((m) => m.downloadAgain)
        .map((m) => ({ uid: m.uid, uidl: m.uidl, reason: m.downloadAgain as string })),
      unmatchedPop3: plan.unmatchedPop3,
      droppedFlags: countDropped(plan.messages),
      conflicts: plan.messages.flatMap((m) => (m.conflict ? [m.conflict] : [])),
      outOfOrder: plan.outOfOrder,
    },
    folders,
    ...(job.dryRun ? { plan } : {}),
  };
}
