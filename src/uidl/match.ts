import type { ImapMessageMeta, Pop3Message } from '../message-records.js';
import { detectFormula } from './formula.js';
import { MESSAGE_FORMULAS } from './message-formula.js';
import { groupByKeys, pairWithinGroups, type Key } from './key-groups.js';
import { matchBySizeAndOrder } from './size-order.js';

/** One POP3 message tied to one IMAP message, and the evidence that tied them. */
export interface UidlMatch {
  uid: number;
  pop3: Pop3Message;
  matchedBy: string;
}

/** POP3 messages an earlier run already matched and wrote, so a delta does not match them again. */
export interface Settled {
  /** Tied to their IMAP message by an earlier run. */
  matches: UidlMatch[];
  /** Written from POP3 by an earlier run (no IMAP message was theirs). */
  pop3Only: Pop3Message[];
}

export interface UnmatchedPop3 {
  n: number;
  uidl: string;
  reason: string;
}

export interface MatchResult {
  /** The UIDL formula that explained the source's UIDLs, if any. */
  formula?: string;
  matches: UidlMatch[];
  /** Source POP3 messages no IMAP message was found for. */
  unmatchedPop3: UnmatchedPop3[];
}

/**
 * Matching in steps, cheapest evidence first; each step only looks at what the earlier ones left.
 * No step ties a POP3 message to an IMAP message that another candidate explains equally well:
 * inside a group sharing a key, size and then content decide, position only between
 * byte-identical messages (key-groups.ts, docs/matching.md). Pure: evidence that needs I/O (header
 * or content hashes) is fetched by the caller for the leftovers only and handed in.
 */
export interface MatchState {
  formula?: string;
  matches: UidlMatch[];
  /** Unmatched POP3 messages, in POP3 order. */
  pop3Left: Pop3Message[];
  /** Unmatched IMAP messages, in UID order. */
  imapLeft: ImapMessageMeta[];
  /** The steps taken, for the reason given to what stays unmatched. */
  tried: string[];
  /** POP3 message number → the step that found several IMAP messages fitting it equally well. */
  undecided: Map<number, string>;
  /** Groups of undecided messages, as many on each side (POP3 numbers, IMAP UIDs): the latest
   *  step that grouped a message says which group it is in. */
  ties: { pop3: number[]; imap: number[] }[];
}

/** The leftovers to match: everything, less what an earlier run settled (state/records.ts). */
export function startMatching(
  imap: readonly ImapMessageMeta[],
  pop3: readonly Pop3Message[],
  settled: Settled = { matches: [], pop3Only: [] },
): MatchState {
  const doneN = new Set([...settled.matches.map((m) => m.pop3.n), ...settled.pop3Only.map((p) => p.n)]);
  const doneUid = new Set(settled.matches.map((m) => m.uid));
  return {
    matches: [...settled.matches],
    pop3Left: pop3.filter((p) => !doneN.has(p.n)),
    imapLeft: imap.filter((m) => !doneUid.has(m.uid)).sort((a, b) => a.uid - b.uid),
    tried: [],
    undecided: new Map(),
    ties: [],
  };
}

/** A UIDL formula over (UIDVALIDITY, UID), detected from the data; POP3 messages sharing a UIDL are told apart by size. */
export function matchByFormula(state: MatchState, uidValidity: string): MatchState {
  const found = detectFormula(
    uidValidity,
    state.imapLeft.map((m) => m.uid),
    state.pop3Left,
  );
  const next = { ...state, tried: [...state.tried, 'UIDL formulas'] };
  if (!found) return next;
  const label = `formula ${found.formula}`;
  const pop3Keys = state.pop3Left.map((p) => keyList(found.uidByPop3N.get(p.n)));
  const imapKeys = state.imapLeft.map((m) => [m.uid]);
  return { ...pairByKeys(next, pop3Keys, imapKeys, label, false), formula: found.formula };
}

/** UIDLs taken from the message: X-UIDL header, Message-ID, MD5 of Message-ID. */
export function matchByMessageFields(state: MatchState): MatchState {
  let s: MatchState = { ...state, tried: [...state.tried, 'X-UIDL and Message-ID'] };
  for (const f of MESSAGE_FORMULAS)
    s = pairByKeys(
      s,
      s.pop3Left.map((p) => [p.uidl]),
      s.imapLeft.map((m) => f.uidlsOf(m)),
      f.name,
      false,
    );
  return s;
}

/** Size + order (size-order.ts); `label` names the step when it runs again, on what the hashes left. */
export function matchBySize(state: MatchState, label = 'size and order'): MatchState {
  const pairs = matchBySizeAndOrder(
    state.pop3Left.map((p) => p.size),
    state.imapLeft.map((m) => m.size),
  );
  return take({ ...state, tried: [...state.tried, label] }, pairs, label);
}

/**
 * Equal keys (header hashes, content hashes): messages sharing a key are paired by size, and in
 * order only when `identical` (the key is a content hash: the bytes are the same, so the pairing
 * does not matter). Messages without a key stay unmatched.
 */
export function matchByEqualKeys(
  state: MatchState,
  pop3Key: ReadonlyMap<number, string>,
  imapKey: ReadonlyMap<number, string>,
  label: string,
  identical: boolean,
): MatchState {
  return pairByKeys(
    { ...state, tried: [...state.tried, label] },
    state.pop3Left.map((p) => keyList(pop3Key.get(p.n))),
    state.imapLeft.map((m) => keyList(imapKey.get(m.uid))),
    label,
    identical,
  );
}

/**
 * IMAP messages that are, by their key, the same messages as POP3 messages nothing told apart
 * (a group left with as many on each side): when those POP3 messages are written from POP3, these
 * are not written again (docs/matching.md).
 */
export function tiedImap(state: MatchState): number[] {
  const pop3Left = new Set(state.pop3Left.map((p) => p.n));
  const imapLeft = new Set(state.imapLeft.map((m) => m.uid));
  return state.ties.flatMap((t) => {
    const pop3 = t.pop3.filter((n) => pop3Left.has(n));
    const imap = t.imap.filter((uid) => imapLeft.has(uid));
    return pop3.length === imap.length ? imap : [];
  });
}

export function finishMatching(state: MatchState): MatchResult {
  const how = state.tried.length ? state.tried.join(', ') : 'no matching';
  return {
    ...(state.formula ? { formula: state.formula } : {}),
    matches: state.matches,
    unmatchedPop3: state.pop3Left.map((p) => {
      const step = state.undecided.get(p.n);
      const reason = step
        ? `several IMAP messages fit it equally well (${step}, same size); none is taken on position alone`
        : `no IMAP message found by ${how}`;
      return { n: p.n, uidl: p.uidl, reason };
    }),
  };
}

function keyList(key: Key | undefined): Key[] {
  return key === undefined ? [] : [key];
}

function pairByKeys(
  state: MatchState,
  pop3Keys: readonly (readonly Key[])[],
  imapKeys: readonly (readonly Key[])[],
  label: string,
  identical: boolean,
): MatchState {
  const { pairs, undecided, ties } = pairWithinGroups(
    groupByKeys(pop3Keys, imapKeys),
    state.pop3Left.map((p) => p.size),
    state.imapLeft.map((m) => m.size),
    identical,
  );
  const marked = new Map(state.undecided);
  for (const i of undecided) marked.set((state.pop3Left[i] as Pop3Message).n, label);
  const found = ties.map((t) => ({
    pop3: t.pop3.map((i) => (state.pop3Left[i] as Pop3Message).n),
    imap: t.imap.map((j) => (state.imapLeft[j] as ImapMessageMeta).uid),
  }));
  const regrouped = new Set(found.flatMap((t) => t.pop3));
  const earlier = state.ties.filter((t) => !t.pop3.some((n) => regrouped.has(n)));
  return take({ ...state, undecided: marked, ties: [...earlier, ...found] }, pairs, label);
}

/** Moves the [pop3Index, imapIndex] pairs from the leftovers to the matches. */
function take(state: MatchState, pairs: readonly [number, number][], matchedBy: string): MatchState {
  if (pairs.length === 0) return state;
  const pop3Taken = new Uint8Array(state.pop3Left.length);
  const imapTaken = new Uint8Array(state.imapLeft.length);
  for (const [i, j] of pairs) pop3Taken[i] = imapTaken[j] = 1;
  return {
    ...state,
    matches: [
      ...state.matches,
      ...pairs.map(([i, j]) => ({
        uid: (state.imapLeft[j] as ImapMessageMeta).uid,
        pop3: state.pop3Left[i] as Pop3Message,
        matchedBy,
      })),
    ],
    pop3Left: state.pop3Left.filter((_, i) => !pop3Taken[i]),
    imapLeft: state.imapLeft.filter((_, j) => !imapTaken[j]),
  };
}
