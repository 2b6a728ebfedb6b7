import type { ImapMessageMeta } from '../source/imap.js';
import { assignMtimes, type MtimeSlot } from '../maildir/mtime-order.js';
import { stablePop3Name, stableUniqueName } from '../maildir/unique-name.js';
import type { MatchResult, Pop3Message, UidlMatch, UnmatchedPop3 } from '../uidl/match.js';
import { whyUnrepresentable } from '../uidl/representable.js';
import { plannedMessage, type ExistingFile, type PlannedMessage } from './message.js';

export type { PlannedMessage } from './message.js';

/** How UIDLs are matched (--uidl): auto runs every strategy in turn; off copies over IMAP only. */
export type UidlMode = 'auto' | 'formula' | 'size' | 'header' | 'pop3' | 'off';

export interface InboxPlan {
  folder: 'INBOX';
  uidValidity: string;
  /** The UIDL formula that explained the source's UIDLs, if any. */
  formula?: string;
  /** In the order qmail-pop3d will list them (mtime order). */
  messages: PlannedMessage[];
  /** Source POP3 messages this plan does not import, with the reason. */
  unmatchedPop3: UnmatchedPop3[];
  /** Names of messages that found no free second between the messages already here around them:
   *  imported, UIDL kept, but qmail-pop3d numbers them out of the source's order. */
  outOfOrder: string[];
}

export interface InboxPlanInput {
  uidValidity: string;
  /** The IMAP INBOX messages to copy (none when the INBOX comes over POP3 alone). */
  imap: readonly ImapMessageMeta[];
  /** Which POP3 message is which IMAP message; undefined when UIDLs are off. */
  matched?: MatchResult;
  /** Unmatched POP3 messages to fetch over POP3, so they are not lost and keep their UIDL. */
  viaPop3?: readonly Pop3Message[];
  /** Files already in the INBOX, by name up to ':'. */
  existing: ReadonlyMap<string, ExistingFile>;
  /** Seconds of files that are not part of this plan (other mail in the Maildir). */
  otherMtimesSec: ReadonlySet<number>;
  /** Every mtime must be earlier than this (the run's start): qmail-pop3d hides the rest. */
  beforeSec: number;
  host: string;
}

/** One message on its way into the plan. */
interface Draft {
  meta?: ImapMessageMeta;
  pop3?: Pop3Message;
  matchedBy?: string;
}

/**
 * Decides, without any I/O, what the INBOX import will do: the order (the source's POP3 order),
 * the file name (the UIDL wherever qmail-pop3d can reproduce it), flags and mtime of each message.
 */
export function planInbox(input: InboxPlanInput): InboxPlan {
  const viaPop3 = new Set((input.viaPop3 ?? []).map((p) => p.n));
  const drafts = inPop3Order(input.imap, input.matched?.matches ?? [], input.viaPop3 ?? []);
  const usedNames = new Set<string>();
  const named = drafts.map((d) => {
    const why = !input.matched
      ? undefined
      : !d.pop3
        ? 'not in the source POP3 listing'
        : (whyUnrepresentable(d.pop3.uidl) ??
          (usedNames.has(d.pop3.uidl) ? 'UIDL used by an earlier message too' : undefined));
    const name = d.pop3 && !why ? d.pop3.uidl : uniqueName(d, input);
    usedNames.add(name);
    return { ...d, why, name, existing: input.existing.get(name) };
  });

  const slots = wantedSeconds(drafts, input.beforeSec).map((w, i): MtimeSlot => ({
    ...w,
    fixedSec: named[i]?.existing?.mtimeSec,
  }));
  const mtimes = assignMtimes(slots, input.beforeSec, input.otherMtimesSec);

  const messages = named.map((d, i): PlannedMessage => ({
    ...plannedMessage(d.name, d.meta, mtimes.mtimeSec[i] as number, d.existing),
    ...(d.pop3 ? { pop3N: d.pop3.n, uidl: d.pop3.uidl, matchedBy: d.matchedBy } : {}),
    ...(d.why ? { downloadAgain: d.why } : {}),
  }));
  const unmatchedPop3 = (input.matched?.unmatchedPop3 ?? []).filter((u) => !viaPop3.has(u.n));
  const formula = input.matched?.formula;
  const outOfOrder = mtimes.outOfOrder.map((i) => (named[i] as { name: string }).name);
  return {
    folder: 'INBOX',
    uidValidity: input.uidValidity,
    ...(formula ? { formula } : {}),
    messages,
    unmatchedPop3,
    outOfOrder,
  };
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

function uniqueName(d: Draft, input: InboxPlanInput): string {
  return d.meta
    ? stableUniqueName(d.meta.internalDateSec, input.uidValidity, d.meta.uid, input.host)
    : stablePop3Name(d.pop3?.uidl ?? '', input.host);
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
