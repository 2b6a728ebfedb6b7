import os from 'node:os';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import { FolderError, type ErrorContext } from '../errors.js';
import { crlfExtra } from '../maildir/line-endings.js';
import { uidlOfName } from '../maildir/pop3d-listing.js';
import type { ScannedEntry } from '../maildir/scan.js';
import type { FolderHistory } from '../journal-records.js';
import { planInbox, type InboxPlan } from '../plan/inbox.js';
import type { Pop3Report } from '../report/types.js';
import type { FolderSnapshot } from '../source/imap.js';
import { LoginRefused, withPop3Session, type Pop3Connection } from '../source/pop3-client.js';
import { credentialsOf, type UserJob } from '../user-job.js';
import { copyFromPop3 } from './copy-messages.js';
import type { FolderEvidence, WithEvidence } from './folder-evidence.js';
import type { FolderOutcome } from './folder-outcome.js';
import { matchInbox, type InboxMatch } from './inbox-matching.js';
import { checkWrittenSizes, describeSizeMismatch } from './written-sizes.js';

/** What the INBOX's evidence is made from: the folder as read before the POP3 session. */
export interface InboxInput {
  imap: ImapFlow;
  snapshot: FolderSnapshot;
  /** The Maildir's files now (the INBOX is its root). */
  scanned: readonly ScannedEntry[];
  history: FolderHistory;
  changedInPlace: ReadonlySet<number>;
  runStartSec: number;
}

/**
 * The INBOX's evidence: one short POP3 session for everything POP3 is needed for (listing,
 * matching, CRLF sizes of files we did not write, messages only POP3 has), open while the plan is
 * made and those messages are copied (docs/matching.md). With --uidl off there is no session.
 */
export function inboxEvidence(job: UserJob, input: InboxInput, context: ErrorContext): WithEvidence {
  return <T>(work: (evidence: FolderEvidence) => Promise<T>): Promise<T> => {
    const inPop3 = async (pop3?: Pop3Connection) => {
      const { snapshot, history } = input;
      const match =
        pop3 &&
        (await matchInbox(job.uidl, snapshot, pop3, input.imap, history.recordOf, input.changedInPlace, context));
      const foreignCrlfSize = await foreignCrlfSizes(job.maildir, input.scanned, match, history.recordOf, context);
      let plan: InboxPlan | undefined;
      return work({
        plan: (facts) => {
          plan = planInbox({
            facts: { ...facts, foreignCrlfSize },
            imap: match?.copyImap === false ? [] : snapshot.messages.filter((m) => !match?.tiedImap.includes(m.uid)),
            matched: match?.matched,
            viaPop3: match?.viaPop3,
            // Every second a file already holds is taken: no two files may share one (docs/qmail-pop3d.md).
            otherMtimesSec: new Set(input.scanned.map((e) => e.mtimeSec)),
            beforeSec: input.runStartSec,
            host: os.hostname(),
            maxSize: job.maxSize,
          });
          return plan;
        },
        copy: async (session, progress) => {
          if (pop3 && plan) await copyFromPop3(pop3, session, plan.messages, progress);
        },
        pop3Report: (outcome, done) =>
          plan && pop3Report(job, plan, match, outcome, done, pop3?.session.retrReads ?? 0),
      });
    };
    if (job.uidl === 'off') return inPop3();
    return withPop3Session(job.pop3, credentialsOf(job), context, inPop3).catch((err: unknown) => {
      throw err instanceof LoginRefused ? new Pop3RefusedImapLogin(err, context) : err;
    });
  };
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

/** The POP3 section of a POP3 step that ran (a plan was made). */
function pop3Report(
  job: UserJob,
  plan: InboxPlan,
  match: InboxMatch | undefined,
  outcome: FolderOutcome | undefined,
  done: boolean,
  readWithRetr: number,
): Pop3Report {
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
  // Each file named by a UIDL must have the size POP3 gives that UIDL: else it may be another message.
  const mismatches = done ? checkWrittenSizes(plan.messages, match?.pop3 ?? [], outcome?.crlfSizes ?? new Map()) : [];
  return {
    uidlMode: job.uidl,
    ...(plan.formula !== undefined ? { formula: plan.formula } : {}),
    pop3Messages: match?.pop3.length ?? 0,
    uidlsKept: Object.values(matchedBy).reduce((a, b) => a + b, 0),
    matchedBy,
    sharedUidls: plan.sharedUidls,
    downloadAgain: plan.messages
      .filter((m) => m.downloadAgain)
      .map((m) => ({ uid: m.uid, uidl: m.uidl, reason: m.downloadAgain as string })),
    unmatchedPop3: plan.unmatchedPop3,
    conflicts: plan.messages.flatMap((m) => (m.conflict ? [m.conflict] : [])),
    outOfOrder: plan.outOfOrder,
    readWithRetr,
    ...(mismatches.length > 0 ? { sizeMismatches: mismatches.map(describeSizeMismatch) } : {}),
  };
}
