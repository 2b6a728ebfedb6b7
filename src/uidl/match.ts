import type { ImapMessageMeta, Pop3Message } from '../message-records.js';
import { detectFormula } from './formula.js';
import { MESSAGE_FORMULAS } from './message-formula.js';
import type { Settled } from './settled.js';
import { matchBySizeAndOrder } from './size-order.js';

/** One POP3 message tied to one IMAP message, and the evidence that tied them. */
export interface UidlMatch {
  uid: number;
  pop3: Pop3Message;
  matchedBy: string;
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
 * Pure: evidence that needs I/O (header or content hashes) is fetched by the caller for the
 * leftovers only and handed in.
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
}

/** The leftovers to match: everything, less what an earlier run settled (uidl/settled.ts). */
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
  };
}

/** A UIDL formula over (UIDVALIDITY, UID), detected from the data. */
export function matchByFormula(state: MatchState, uidValidity: string): MatchState {
  const found = detectFormula(
    uidValidity,
    state.imapLeft.map((m) => m.uid),
    state.pop3Left,
  );
  const next = { ...state, tried: [...state.tried, 'UIDL formulas'] };
  if (!found) return next;
  const indexOfUid = new Map(state.imapLeft.map((m, j) => [m.uid, j]));
  const pairs = state.pop3Left.flatMap((p, i) => {
    const j = indexOfUid.get(found.uidByPop3N.get(p.n) ?? NaN);
    return j === undefined ? [] : [[i, j] as [number, number]];
  });
  return { ...take(next, pairs, `formula ${found.formula}`), formula: found.formula };
}

/** UIDLs taken from the message: X-UIDL header, Message-ID, MD5 of Message-ID. Ambiguous values are left alone. */
export function matchByMessageFields(state: MatchState): MatchState {
  let s: MatchState = { ...state, tried: [...state.tried, 'X-UIDL and Message-ID'] };
  for (const f of MESSAGE_FORMULAS) {
    const owners = new Map<string, number[]>();
    s.imapLeft.forEach((m, i) => {
      for (const uidl of new Set(f.uidlsOf(m))) pushTo(owners, uidl, i);
    });
    const pairs = s.pop3Left.flatMap((p, i) => {
      const at = owners.get(p.uidl);
      return at?.length === 1 ? [[i, at[0] as number] as [number, number]] : [];
    });
    s = take(s, uniquePairs(pairs), f.name);
  }
  return s;
}

/** Size + order (size-order.ts). */
export function matchBySize(state: MatchState): MatchState {
  const pairs = matchBySizeAndOrder(
    state.pop3Left.map((p) => p.size),
    state.imapLeft.map((m) => m.size),
  );
  return take({ ...state, tried: [...state.tried, 'size and order'] }, pairs, 'size and order');
}

/**
 * Equal keys (header hashes, content hashes) paired in order: the k-th POP3 message with a key
 * goes with the k-th IMAP message with the same key. Messages without a key stay unmatched.
 */
export function matchByEqualKeys(
  state: MatchState,
  pop3Key: ReadonlyMap<number, string>,
  imapKey: ReadonlyMap<number, string>,
  label: string,
): MatchState {
  const queues = new Map<string, number[]>();
  state.imapLeft.forEach((m, i) => {
    const key = imapKey.get(m.uid);
    if (key !== undefined) pushTo(queues, key, i);
  });
  const pairs: [number, number][] = [];
  state.pop3Left.forEach((p, i) => {
    const j = queues.get(pop3Key.get(p.n) ?? '')?.shift();
    if (j !== undefined) pairs.push([i, j]);
  });
  return take({ ...state, tried: [...state.tried, label] }, pairs, label);
}

export function finishMatching(state: MatchState): MatchResult {
  const how = state.tried.length ? state.tried.join(', ') : 'no matching';
  return {
    ...(state.formula ? { formula: state.formula } : {}),
    matches: state.matches,
    unmatchedPop3: state.pop3Left.map((p) => ({ n: p.n, uidl: p.uidl, reason: `no IMAP message found by ${how}` })),
  };
}

/** Moves the [pop3Index, imapIndex] pairs from the leftovers to the matches. */
function take(state: MatchState, pairs: readonly [number, number][], matchedBy: string): MatchState {
  if (pairs.length === 0) return state;
  const pop3Taken = new Set(pairs.map(([i]) => i));
  const imapTaken = new Set(pairs.map(([, j]) => j));
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
    pop3Left: state.pop3Left.filter((_, i) => !pop3Taken.has(i)),
    imapLeft: state.imapLeft.filter((_, j) => !imapTaken.has(j)),
  };
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Drops pairs that claim an IMAP message another pair claims too. */
function uniquePairs(pairs: [number, number][]): [number, number][] {
  const count = new Map<number, number>();
  for (const [, j] of pairs) count.set(j, (count.get(j) ?? 0) + 1);
  return pairs.filter(([, j]) => count.get(j) === 1);
}
