import type { ImapMessageMeta } from '../source/imap.js';
import { detectFormula } from './formula.js';

export interface Pop3Message {
  n: number;
  uidl: string;
  /** Size the source's POP3 LIST reports (CRLF). */
  size: number;
}

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

/** Ties the source's POP3 messages to its IMAP INBOX messages; what no evidence explains stays unmatched. */
export function matchUidls(uidValidity: string, imap: readonly ImapMessageMeta[], pop3: readonly Pop3Message[]): MatchResult {
  const found = detectFormula(uidValidity, imap.map((m) => m.uid), pop3);
  const matches: UidlMatch[] = [];
  const unmatchedPop3: UnmatchedPop3[] = [];
  for (const p of pop3) {
    const uid = found?.uidByPop3N.get(p.n);
    if (uid !== undefined) matches.push({ uid, pop3: p, matchedBy: `formula ${found?.formula}` });
    else unmatchedPop3.push({ n: p.n, uidl: p.uidl, reason: unmatchedReason(p, found?.formula, imap.length) });
  }
  return { ...(found ? { formula: found.formula } : {}), matches, unmatchedPop3 };
}

function unmatchedReason(p: Pop3Message, formula: string | undefined, imapCount: number): string {
  if (formula === undefined) return 'no known UIDL formula explains the source UIDLs';
  return p.n > imapCount ? `not explained by formula ${formula}: probably delivered after the IMAP listing; run again` : `not explained by formula ${formula}`;
}
