import type { ImapMessageMeta, Pop3Message } from '../message-records.js';
import { assignMtimes, type MtimeSlot } from '../maildir/mtime-order.js';
import type { ExistingFile } from '../maildir/scan.js';
import { stablePop3Name, stableUniqueName } from '../maildir/unique-name.js';
import type { MatchResult, UidlMatch, UnmatchedPop3 } from '../uidl/match.js';
import { whyUnrepresentable } from '../uidl/representable.js';
import { BoxNaming } from './box-naming.js';
import { folderPlan, type FolderPlan } from './folder.js';
import { fateOf, plannedMessage, recordedSec, type Fate, type FolderFacts, type PlannedMessage } from './message.js';

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

/** One message on its way into the plan: named by nameAll, given its fate and second after. */
interface Draft {
  meta?: ImapMessageMeta;
  pop3?: Pop3Message;
  matchedBy?: string;
  name: string;
  size: number;
  why?: string;
}

/**
 * Decides, without any I/O, what the INBOX import will do: the order (the source's POP3 order),
 * the file name (the UIDL wherever qmail-pop3d can reproduce it), flags, mtime and action of each
 * message. Each message is one draft until its planned message is made (an INBOX may hold
 * 100,000 messages: a copy per step would be garbage of that many at once).
 */
export function planInbox(input: InboxPlanInput): InboxPlan {
  const { facts } = input;
  const drafts = inPop3Order(input.imap, input.matched?.matches ?? [], input.viaPop3 ?? []);
  nameAll(drafts, input);
  const fates = drafts.map((d) =>
    fateOf({ name: d.name, size: d.size, uid: d.meta?.uid, uidl: d.pop3?.uidl }, facts, input.maxSize),
  );
  const slots = wantedSeconds(drafts, input.beforeSec);
  fates.forEach((fate, i) => {
    // A file put back takes the second it was written with, unless another file holds it now.
    const recorded = recordedSec(fate);
    const free = recorded !== undefined && !input.otherMtimesSec.has(recorded);
    (slots[i] as MtimeSlot).fixedSec = free ? recorded : keptFile(fate)?.mtimeSec;
  });
  const mtimes = assignMtimes(slots, input.beforeSec, input.otherMtimesSec);

  const naming = new BoxNaming(facts.box);
  const messages = drafts.map((d, i): PlannedMessage => {
    const pop3 = d.pop3 && { pop3N: d.pop3.n, uidl: d.pop3.uidl, matchedBy: d.matchedBy };
    const side = d.why ? { ...pop3, downloadAgain: d.why } : pop3;
    return plannedMessage(d.name, d.meta, d.size, mtimes.mtimeSec[i] as number, fates[i] as Fate, naming, side);
  });
  const viaPop3 = new Set((input.viaPop3 ?? []).map((p) => p.n));
  return {
    ...folderPlan('INBOX', facts, messages, naming, input),
    folder: 'INBOX',
    ...(input.matched?.formula ? { formula: input.matched.formula } : {}),
    unmatchedPop3: (input.matched?.unmatchedPop3 ?? []).filter((u) => !viaPop3.has(u.n)),
    outOfOrder: mtimes.outOfOrder.map((i) => (drafts[i] as Draft).name),
    sharedUidls: sharedUidls(drafts),
  };
}

/** Messages whose UIDL another message of the listing has too. */
function sharedUidls(drafts: readonly Draft[]): number {
  const uidlCount = new Map<string, number>();
  for (const d of drafts) if (d.pop3) uidlCount.set(d.pop3.uidl, (uidlCount.get(d.pop3.uidl) ?? 0) + 1);
  let shared = 0;
  for (const n of uidlCount.values()) if (n > 1) shared += n;
  return shared;
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
function nameAll(drafts: Draft[], input: InboxPlanInput): void {
  const used = new Set<string>();
  const occurrences = new Map<string, number>();
  for (const d of drafts) {
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
    d.name = name;
    d.size = d.meta?.size ?? d.pop3?.size ?? NaN;
    if (why) d.why = why;
  }
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
  const draft = (meta?: ImapMessageMeta, pop3?: Pop3Message, matchedBy?: string): Draft => ({
    meta,
    pop3,
    matchedBy,
    name: '',
    size: NaN,
    why: undefined,
  });
  const byUid = new Map(imap.map((m) => [m.uid, m]));
  const pop3Drafts: Draft[] = [];
  for (const m of matches) {
    const meta = byUid.get(m.uid);
    if (meta) pop3Drafts.push(draft(meta, m.pop3, m.matchedBy));
  }
  for (const p of viaPop3) pop3Drafts.push(draft(undefined, p, 'pop3 itself'));
  pop3Drafts.sort((a, b) => (a.pop3 as Pop3Message).n - (b.pop3 as Pop3Message).n);
  byUid.clear();
  const matchedUids = new Set(matches.map((m) => m.uid));
  // Where every IMAP message is matched (a formula), there is nothing to place between them.
  if (imap.every((m) => matchedUids.has(m.uid))) return pop3Drafts;
  const sortedMatchedUids = [...matchedUids].sort((a, b) => a - b);
  const after = new Map<number, Draft[]>();
  for (const meta of [...imap].sort((a, b) => a.uid - b.uid)) {
    if (matchedUids.has(meta.uid)) continue;
    const anchor = greatestBelow(sortedMatchedUids, meta.uid) ?? 0;
    const group = after.get(anchor);
    if (group) group.push(draft(meta));
    else after.set(anchor, [draft(meta)]);
  }
  const out = [...(after.get(0) ?? [])];
  for (const d of pop3Drafts) {
    out.push(d);
    if (d.meta) for (const a of after.get(d.meta.uid) ?? []) out.push(a);
  }
  return out;
}

/** INTERNALDATE where there is one; a message known only over POP3 wants its predecessor's second. */
function wantedSeconds(drafts: readonly Draft[], beforeSec: number): MtimeSlot[] {
  const firstKnown = drafts.find((d) => d.meta)?.meta?.internalDateSec ?? beforeSec - drafts.length - 1;
  let last = firstKnown;
  return drafts.map((d) => ({ wantSec: (last = d.meta?.internalDateSec ?? last), fixedSec: undefined }));
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
