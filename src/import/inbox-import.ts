import os from 'node:os';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import { FolderError, type ErrorContext } from '../errors.js';
import { crlfExtra } from '../maildir/line-endings.js';
import { uidlOfName } from '../maildir/pop3d-listing.js';
import { existingByName, scanIfPresent, type ScannedEntry } from '../maildir/scan.js';
import { planInbox, type InboxPlan } from '../plan/inbox.js';
import { countDropped, type FolderFacts } from '../plan/message.js';
import { folderCounts } from './folder-counts.js';
import { Progress } from '../report/progress.js';
import type { RunContext } from '../run-context.js';
import type { InboxReport } from '../report/types.js';
import type { FolderMark } from '../state/folder-marks.js';
import { folderHistory } from '../state/records.js';
import { readFolderSnapshot, type FolderSnapshot } from '../source/imap.js';
import { INBOX } from '../source/listed-name.js';
import { LoginRefused, withPop3Session, type Pop3Connection } from '../source/pop3-client.js';
import { changedInPlace } from './changed-in-place.js';
import { copyFromImap, copyFromPop3 } from './copy-messages.js';
import type { FolderOutcome } from './folder-outcome.js';
import { FolderWriteSession } from './folder-session.js';
import { boxFolderOf, keepImapUids } from './imap-uid-input.js';
import { checkWrittenSizes, describeSizeMismatch } from './written-sizes.js';
import { cutShort, endsFolder, type RunState } from './folder-import.js';
import { matchInbox, type InboxMatch } from './inbox-evidence.js';
import { credentialsOf, type UserJob } from '../user-job.js';

/**
 * The INBOX: IMAP metadata first, then one short POP3 session for everything POP3 is needed for
 * (listing, matching evidence, messages only POP3 has), then the IMAP bodies, into one write session.
 */
export async function importInbox(
  imap: ImapFlow,
  job: UserJob,
  run: RunState,
  runStartSec: number,
  ctx: RunContext,
): Promise<{ inbox: InboxReport; plan: InboxPlan }> {
  const context: ErrorContext = { user: job.user, folder: 'INBOX' };
  const snapshot = await readFolderSnapshot(imap, INBOX, context, true);
  const scanned = (await scanIfPresent(job.maildir, context)) ?? [];
  const existing = existingByName(scanned);
  const history = folderHistory(run.entries, 'INBOX', snapshot.uidValidity, existing, run.skips);
  const { uidValidity, messages } = snapshot;
  const inPlace = await changedInPlace(imap, job.maildir, messages, existing, history, uidValidity, context);
  // Set once the write session has begun: from then on the report counts what was written, even
  // when the INBOX is cut short (a full disk, a stop signal).
  let begun: { plan: InboxPlan; match?: InboxMatch; session: FolderWriteSession; retr: () => number } | undefined;
  const inPop3 = async (pop3?: Pop3Connection) => {
    const match = pop3 && (await matchInbox(job.uidl, snapshot, pop3, imap, history.recordOf, inPlace, context));
    const facts: FolderFacts = {
      uidValidity: snapshot.uidValidity,
      existing,
      history,
      changedInPlace: inPlace,
      foreignCrlfSize: await foreignCrlfSizes(job.maildir, scanned, match, history.recordOf, context),
      box: await boxFolderOf(job, job.maildir, context),
    };
    const plan = makePlan(snapshot, match, facts, scanned, runStartSec, job.maxSize);
    const session =
      run.journal && (await FolderWriteSession.begin(job.maildir, job.maildir, plan, run.journal, context));
    const retr = () => pop3?.session.retrReads ?? 0;
    if (session) begun = { plan, ...(match ? { match } : {}), session, retr };
    if (pop3 && session) await session.during(() => copyFromPop3(pop3, session, plan.messages));
    return { plan, match, session, readWithRetr: retr() };
  };
  const report = (plan: InboxPlan, match: InboxMatch | undefined, outcome: FolderOutcome | undefined, retr: number) =>
    inboxReport(job, plan, snapshot.messages.length, match?.pop3.length ?? 0, outcome, retr);
  try {
    const { plan, match, session, readWithRetr } =
      job.uidl === 'off'
        ? await inPop3()
        : await withPop3Session(job.pop3, credentialsOf(job), context, inPop3).catch((err: unknown) => {
            throw err instanceof LoginRefused ? new Pop3RefusedImapLogin(err, context) : err;
          });
    let outcome: FolderOutcome | undefined;
    if (session) {
      const progress = new Progress(ctx, job.user, 'INBOX', job.quiet);
      await session.during(() => copyFromImap(imap, session, plan.messages, snapshot.messages, progress, context));
      outcome = await session.finish(job.deleteGone);
    }
    const place = { dir: job.maildir, mailbox: 'INBOX' };
    const imapUids = outcome && (await keepImapUids(job, place, snapshot, plan, outcome, run.entries, context));
    const inbox = report(plan, match, outcome, readWithRetr);
    // Each file named by a UIDL must have the size POP3 gives that UIDL: else it may be another message.
    const sizeMismatches = checkWrittenSizes(plan.messages, match?.pop3 ?? [], outcome?.crlfSizes ?? new Map());
    if (sizeMismatches.length > 0) inbox.sizeMismatches = sizeMismatches.map(describeSizeMismatch);
    return { inbox: imapUids ? { ...inbox, imapUids } : inbox, plan };
  } catch (err) {
    if (!endsFolder(err) || !begun) throw err;
    const { plan, match, session, retr } = begun;
    return { inbox: { ...report(plan, match, session.soFar, retr()), ...cutShort(err) }, plan };
  }
}

/**
 * POP3 refused a login IMAP accepted with the same credentials: not wrong credentials, but a
 * server that refuses the mailbox itself (solid-pop3d reads it before it answers PASS and refuses
 * one it takes for damaged). The INBOX cannot be listed over POP3; other folders still can be done.
 */
class Pop3RefusedImapLogin extends FolderError {
  constructor(err: LoginRefused, context: ErrorContext) {
    super(
      `${err.refused}; IMAP accepted the same login, so the INBOX cannot be listed over POP3 and its UIDLs cannot be kept`,
      { ...context, cause: err },
    );
  }
}

/** The report of an INBOX this run did not read: nothing written, nothing found. */
function emptyInbox(job: UserJob, uidValidity: string, messages: number): InboxReport {
  return {
    uidValidity,
    uidlMode: job.uidl,
    imapMessages: messages,
    pop3Messages: 0,
    toWrite: 0,
    bytesToWrite: 0,
    written: 0,
    writtenBytes: 0,
    alreadyPresent: 0,
    uidlsKept: 0,
    matchedBy: {},
    sharedUidls: 0,
    downloadAgain: [],
    unmatchedPop3: [],
    droppedFlags: {},
    reflagged: 0,
    errors: [],
    conflicts: [],
    outOfOrder: [],
    readWithRetr: 0,
    history: { movedByContent: 0, keptDeleted: 0, goneFromSource: [], goneDeleted: false },
    overMaxSize: [],
  };
}

/** An INBOX skipped because STATUS matched its mark: what the run that set the mark found. */
export function unchangedInbox(job: UserJob, mark: FolderMark): InboxReport {
  const kept = mark.uidlsKept ?? 0;
  return {
    ...emptyInbox(job, mark.uidValidity, mark.messages),
    pop3Messages: mark.pop3Messages ?? 0,
    alreadyPresent: mark.messages,
    uidlsKept: kept,
    matchedBy: kept ? { 'an earlier run': kept } : {},
    unchanged: true,
  };
}

/** An INBOX that could not be done (POP3 refused after login, a full disk): the other folders still are. */
export function failedInbox(job: UserJob, error: string): InboxReport {
  return { ...emptyInbox(job, '', 0), error };
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
  for (const e of scanned) {
    const name = uidlOfName(e.name);
    if (!uidls.has(name) || ours.has(name)) continue;
    sizes.set(name, e.size + (await crlfExtra(path.join(maildir, e.dir, e.name), context)));
  }
  return sizes;
}

function makePlan(
  snapshot: FolderSnapshot,
  match: InboxMatch | undefined,
  facts: FolderFacts,
  scanned: readonly ScannedEntry[],
  runStartSec: number,
  maxSize: number | undefined,
): InboxPlan {
  return planInbox({
    facts,
    imap: match?.copyImap === false ? [] : snapshot.messages.filter((m) => !match?.tiedImap.includes(m.uid)),
    matched: match?.matched,
    viaPop3: match?.viaPop3,
    // Every second a file already holds is taken: no two files may share one (docs/qmail-pop3d.md).
    otherMtimesSec: new Set(scanned.map((e) => e.mtimeSec)),
    beforeSec: runStartSec,
    host: os.hostname(),
    maxSize,
  });
}

function inboxReport(
  job: UserJob,
  plan: InboxPlan,
  imapCount: number,
  pop3Count: number,
  outcome: FolderOutcome | undefined,
  readWithRetr: number,
): InboxReport {
  // Kept is what is on disk under its UIDL after the run (or, in a plan, will be): a message that
  // failed, was held back by --max-size or was deleted here keeps nothing.
  const onDisk = (m: InboxPlan['messages'][number]) =>
    m.action === 'present' ||
    m.action === 'reflag' ||
    m.action === 'rewrite' ||
    (m.action === 'write' && (!outcome || outcome.crlfSizes.has(m.name)));
  const matchedBy: Record<string, number> = {};
  for (const m of plan.messages)
    if (m.matchedBy && !m.downloadAgain && onDisk(m)) matchedBy[m.matchedBy] = (matchedBy[m.matchedBy] ?? 0) + 1;
  return {
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
    readWithRetr,
  };
}
