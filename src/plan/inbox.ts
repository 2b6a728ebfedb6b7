import type { ImapMessageMeta, Pop3Message } from '../message-records.js';
import { assignMtimes, type MtimeSlot } from '../maildir/mtime-order.js';
import type { ExistingFile } from '../maildir/scan.js';
import { stablePop3Name, stableUniqueName } from '../maildir/unique-name.js';
import type { MatchResult, UidlMatch, UnmatchedPop3 } from '../uidl/match.js';
import { whyUnrepresentable } from '../uidl/representable.js';
import { BoxNaming } from './box-naming.js';
import { folderPlan, type FolderPlan } from './folder.js';
import { fateOf, plannedMessage, type Fate, type FolderFacts, type PlannedMessage } from './message.js';

export interface InboxPlan extends FolderPlan {
  folder: 'INBOX';
  /** The UIDL formula that explained the source's UIDLs, if any. */
  formula?: string;
  /** Source POP3 messages this plan does not import, with the reason. */
  unmatchedPop3: UnmatchedPop3[];
  /** Names of messages that found no free second between the messages already here around them:
   *  imported, UIDL kept, but qmail-pop3d numbers them out of the source's order. */
  outOfOrder: string[];
  /** Source messages whose UIDL another source message has too: qmail-pop3d lists each name once,
   *  so only the first keeps it. */
  sharedUidls: number;
}

export interface InboxPlanInput {
  facts: FolderFacts;
  /** The IMAP INBOX messages to copy (none when the INBOX comes over POP3 alone). */
  imap: readonly ImapMessageMeta[];
  /** Which POP3 message is which IMAP message; undefined when UIDLs are off. */
  matched?: MatchResult;
  /** Unmatched POP3 messages to fetch over POP3, so they are not lost and keep their UIDL. */
  viaPop3?: readonly Pop3Message[];
  /** Seconds of files that are not part of this plan (other mail in the Maildir). */
  otherMtimesSec: ReadonlySet<number>;
  /** Every mtime must be earlier than this (the run's start): qmail-pop3d hides the rest. */
  beforeSec: number;
  host: string;
  /** --max-size: messages above it are not written; their seconds stay reserved, so a later run
   *  that writes them finds their place in the order free. */
  maxSize?: number;
}

/** One message on its way into the plan. */
interface Draft {
  meta?: ImapMessageMeta;
  pop3?: Pop3Message;
  matchedBy?: string;
}

/**
 * Decides, without any I/O, what the INBOX import will do: the order (the source's POP3 order),
 * the file name (the UIDL wherever qmail-pop3d can reproduce it), flags, mtime and action of each
 * message.
 */
export function planInbox(input: InboxPlanInput): InboxPlan {
  const { facts } = input;
  const viaPop3 = new Set((input.viaPop3 ?? []).map((p) => p.n));
  const drafts = inPop3Order(input.imap, input.matched?.matches ?? [], input.viaPop3 ?? []);
  const named = nameAll(drafts, input);
  const fates = named.map((d) => fateOf({ ...d, uid: d.meta?.uid, uidl: d.pop3?.uidl }, facts, input.maxSize));

  const slots = wantedSeconds(drafts, input.beforeSec).map((w, i): MtimeSlot => ({
    ...w,
    fixedSec: keptFile(fates[i] as Fate)?.mtimeSec,
  }));
  const mtimes = assignMtimes(slots, input.beforeSec, input.otherMtimesSec);

  const naming = new BoxNaming(facts.box);
  const messages = named.map((d, i): PlannedMessage => ({
    ...plannedMessage(d.name, d.meta, d.size, mtimes.mtimeSec[i] as number, fates[i] as Fate, naming),
    ...(d.pop3 ? { pop3N: d.pop3.n, uidl: d.pop3.uidl, matchedBy: d.matchedBy } : {}),
    ...(d.why ? { downloadAgain: d.why } : {}),
  }));
  const uidlCount = new Map<string, number>();
  for (const d of drafts) if (d.pop3) uidlCount.set(d.pop3.uidl, (uidlCount.get(d.pop3.uidl) ?? 0) + 1);
  return {
    ...folderPlan('INBOX', facts, messages, naming, input),
    folder: 'INBOX',
    ...(input.matched?.formula ? { formula: input.matched.formula } : {}),
    unmatchedPop3: (input.matched?.unmatchedPop3 ?? []).filter((u) => !viaPop3.has(u.n)),
    outOfOrder: mtimes.outOfOrder.map((i) => (named[i] as { name: string }).name),
    sharedUidls: [...uidlCount.values()].filter((n) => n > 1).reduce((a, b) => a + b, 0),
  };
}

/** The file a message already has and keeps (its place in time is fixed). */
function keptFile(fate: Fate): ExistingFile | undefined {
  return fate.kind === 'there' || fate.kind === 'conflict' ? fate.file : undefined;
}

/**
 * Names every message, each with a name of its own: its UIDL where qmail-pop3d can list it under
 * that name (representable, and the first message with it), else a stable unique Maildir name and
 * the reason POP3 clients will download it again.
 */
function nameAll(
  drafts: readonly Draft[],
  input: InboxPlanInput,
): (Draft & { name: string; size: number; why?: string })[] {
  const used = new Set<string>();
  const occurrences = new Map<string, number>();
  return drafts.map((d) => {
    const why = input.matched ? whyUidlNotKept(d, used) : undefined;
    let name = d.pop3 && !why ? d.pop3.uidl : undefined;
    if (name === undefined) {
      const k = d.pop3 ? (occurrences.get(d.pop3.uidl) ?? 0) : 0;
      if (d.pop3) occurrences.set(d.pop3.uidl, k + 1);
      name = d.meta
        ? stableUniqueName(d.meta.internalDateSec, input.facts.uidValidity, d.meta.uid, input.host)
        : stablePop3Name(d.pop3?.uidl ?? '', k, input.host);
    }
    used.add(name);
    return { ...d, name, size: d.meta?.size ?? d.pop3?.size ?? NaN, ...(why ? { why } : {}) };
  });
}

function whyUidlNotKept(d: Draft, used: ReadonlySet<string>): string | undefined {
  if (!d.pop3) return 'not in the source POP3 listing';
  const why = whyUnrepresentable(d.pop3.uidl);
  if (why) return why;
  return used.has(d.pop3.uidl)
    ? 'UIDL shared with another source message: qmail-pop3d lists each name once'
    : undefined;
}

/**
 * POP3 messages (matched, or fetched over POP3) in the source's POP3 order; each IMAP-only message
 * goes right after the matched message with the next lower UID, so it sits where the source had it.
 */
function inPop3Order(
  imap: readonly ImapMessageMeta[],
  matches: readonly UidlMatch[],
  viaPop3: readonly Pop3Message[],
): Draft[] {
  const byUid = new Map(imap.map((m) => [m.uid, m]));
  const pop3Drafts: Draft[] = [
    ...matches.flatMap((m) =>
      byUid.has(m.uid) ? [{ meta: byUid.get(m.uid), pop3: m.pop3, matchedBy: m.matchedBy }] : [],
    ),
    ...viaPop3.map((p) => ({ pop3: p, matchedBy: 'pop3 itself' })),
  ].sort((a, b) => (a.pop3 as Pop3Message).n - (b.pop3 as Pop3Message).n);
  const matchedUids = new Set(matches.map((m) => m.uid));
  const sortedMatchedUids = [...matchedUids].sort((a, b) => a - b);
  const after = new Map<number, Draft[]>();
  for (const meta of [...imap].sort((a, b) => a.uid - b.uid)) {
    if (matchedUids.has(meta.uid)) continue;
    const anchor = greatestBelow(sortedMatchedUids, meta.uid) ?? 0;
    const group = after.get(anchor);
    if (group) group.push({ meta });
    else after.set(anchor, [{ meta }]);
  }
  return [...(after.get(0) ?? []), ...pop3Drafts.flatMap((d) => [d, ...(d.meta ? (after.get(d.meta.uid) ?? []) : [])])];
}

/** INTERNALDATE where there is one; a message known only over POP3 wants its predecessor's second. */
function wantedSeconds(drafts: readonly Draft[], beforeSec: number): { wantSec: number }[] {
  const known = drafts.map((d) => d.meta?.internalDateSec);
  const firstKnown = known.find((k) => k !== undefined) ?? beforeSec - drafts.length - 1;
  let last = firstKnown;
  return known.map((k) => ({ wantSec: (last = k ?? last) }));
}

/** The greatest value in ascending `sorted` that is below `limit`. */
function greatestBelow(sorted: readonly number[], limit: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? sorted[lo - 1] : undefined;
}
