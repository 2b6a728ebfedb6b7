import type { ImapMessageMeta } from '../source/imap.js';
import { maildirFlagsFromImap, maildirPlacement } from '../maildir/flags.js';
import { assignMtimes, type MtimeSlot } from '../maildir/mtime-order.js';
import { stableUniqueName } from '../maildir/unique-name.js';
import type { MatchResult, UidlMatch, UnmatchedPop3 } from './match.js';
import { whyUnrepresentable } from './representable.js';

/** How UIDLs are matched: `off` copies over IMAP only and keeps no UIDL. */
export type UidlMode = 'auto' | 'formula' | 'off';

export interface PlannedMessage {
  uid: number;
  /** The source POP3 message this is, when matched. */
  pop3N?: number;
  uidl?: string;
  /** Evidence that tied the POP3 message to the IMAP one, e.g. "formula %v.%u". */
  matchedBy?: string;
  /** Maildir name up to the ':' (the UIDL when it is kept). */
  name: string;
  dir: 'new' | 'cur';
  file: string;
  mtimeSec: number;
  /** Source flags a Maildir name cannot hold. */
  droppedFlags: string[];
  /** write: not in the Maildir yet; present: a file of that name is already there. */
  action: 'write' | 'present';
  /** Set when POP3 clients will download this message again, and why. */
  downloadAgain?: string;
}

export interface InboxPlan {
  folder: 'INBOX';
  uidValidity: string;
  /** The UIDL formula that explained the source's UIDLs, if any. */
  formula?: string;
  /** In the order qmail-pop3d will list them (mtime order). */
  messages: PlannedMessage[];
  /** Source POP3 messages no IMAP message was found for: not imported by this plan. */
  unmatchedPop3: UnmatchedPop3[];
}

export interface InboxPlanInput {
  uidValidity: string;
  imap: readonly ImapMessageMeta[];
  /** Which POP3 message is which IMAP message; undefined when UIDLs are off. */
  matched?: MatchResult;
  /** Files already in the INBOX: name up to ':' → mtime in seconds. */
  existing: ReadonlyMap<string, number>;
  /** Seconds of files that are not part of this plan (other mail in the Maildir). */
  otherMtimesSec: ReadonlySet<number>;
  /** Every mtime must be earlier than this (the run's start): qmail-pop3d hides the rest. */
  beforeSec: number;
  host: string;
}

/** Thrown when the messages cannot be given distinct, ordered mtimes between those already there. */
export class MtimeOrderError extends Error {}

/**
 * Decides, without any I/O, what the INBOX import will do: which IMAP message each POP3 UIDL
 * belongs to, the file name (the UIDL wherever qmail-pop3d can reproduce it), flags and mtime.
 */
export function planInbox(input: InboxPlanInput): InboxPlan {
  const fromPop3 = new Map((input.matched?.matches ?? []).map((m) => [m.uid, m]));

  const order = pop3Order(input.imap, fromPop3);
  const usedNames = new Set<string>();
  const drafts = order.map((meta) => {
    const match = fromPop3.get(meta.uid);
    const why = !input.matched ? undefined : !match ? 'not in the source POP3 listing' : whyUnrepresentable(match.pop3.uidl) ?? (usedNames.has(match.pop3.uidl) ? 'UIDL used by an earlier message too' : undefined);
    const name = match && !why ? match.pop3.uidl : stableUniqueName(meta.internalDateSec, input.uidValidity, meta.uid, input.host);
    usedNames.add(name);
    const { letters, dropped } = maildirFlagsFromImap(meta.flags);
    return { meta, match, name, letters, dropped, why, existingSec: input.existing.get(name) };
  });

  const slots: MtimeSlot[] = drafts.map((d) => ({ wantSec: d.meta.internalDateSec, fixedSec: d.existingSec }));
  const mtimes = assignMtimes(slots, input.beforeSec, input.otherMtimesSec);
  if (!mtimes.ok) throw new MtimeOrderError(mtimes.reason);

  const messages = drafts.map((d, i): PlannedMessage => ({
    uid: d.meta.uid,
    ...(d.match ? { pop3N: d.match.pop3.n, uidl: d.match.pop3.uidl, matchedBy: d.match.matchedBy } : {}),
    name: d.name,
    ...maildirPlacement(d.name, d.letters),
    mtimeSec: mtimes.mtimeSec[i] as number,
    droppedFlags: d.dropped,
    action: d.existingSec === undefined ? 'write' : 'present',
    ...(d.why ? { downloadAgain: d.why } : {}),
  }));
  const formula = input.matched?.formula;
  return { folder: 'INBOX', uidValidity: input.uidValidity, ...(formula ? { formula } : {}), messages, unmatchedPop3: input.matched?.unmatchedPop3 ?? [] };
}

/**
 * Matched messages in the source's POP3 order; each IMAP-only message goes right after the
 * matched message with the next lower UID, so it sits where the source had it.
 */
function pop3Order(imap: readonly ImapMessageMeta[], fromPop3: ReadonlyMap<number, UidlMatch>): ImapMessageMeta[] {
  const n = (m: ImapMessageMeta) => (fromPop3.get(m.uid) as UidlMatch).pop3.n;
  const matched = imap.filter((m) => fromPop3.has(m.uid)).sort((a, b) => n(a) - n(b));
  const after = new Map<number, ImapMessageMeta[]>();
  const sortedMatchedUids = matched.map((m) => m.uid).sort((a, b) => a - b);
  for (const m of imap) {
    if (fromPop3.has(m.uid)) continue;
    const anchor = greatestBelow(sortedMatchedUids, m.uid) ?? 0;
    const group = after.get(anchor);
    if (group) group.push(m);
    else after.set(anchor, [m]);
  }
  const bySmallUid = (list: ImapMessageMeta[] = []) => list.sort((a, b) => a.uid - b.uid);
  return [...bySmallUid(after.get(0)), ...matched.flatMap((m) => [m, ...bySmallUid(after.get(m.uid))])];
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
