import type { ImapFlow } from 'imapflow';
import type { ErrorContext } from '../errors.js';
import { hashPop3Message } from '../source/content-hash.js';
import { imapContentKey } from './changed-in-place.js';
import { fetchHeaderBlocks, type FolderSnapshot } from '../source/imap.js';
import type { Pop3Connection } from '../source/pop3-client.js';
import { joinUidlAndList } from '../source/pop3-listing.js';
import { ContentKey } from '../uidl/content-key.js';
import { headerHash } from '../uidl/header-hash.js';
import type { UidlMode } from '../uidl/mode.js';
import type { Pop3Message } from '../message-records.js';
import type { JournalEntry } from '../journal-records.js';
import { settledUidls } from '../state/records.js';
import {
  finishMatching,
  matchByEqualKeys,
  matchByFormula,
  matchByMessageFields,
  matchBySize,
  startMatching,
  tiedImap,
  type MatchResult,
  type MatchState,
} from '../uidl/match.js';

export interface InboxMatch {
  /** The source's POP3 listing. */
  pop3: Pop3Message[];
  matched: MatchResult;
  /** POP3 messages to fetch over POP3: no IMAP message was tied to them, or --uidl pop3. */
  viaPop3: Pop3Message[];
  /** With --uidl pop3 the INBOX comes over POP3 alone and the IMAP INBOX is not copied. */
  copyImap: boolean;
  /** IMAP messages not copied: by their key the same as POP3 messages nothing told apart, which
   *  are fetched over POP3 (as many on each side), so each is stored once (docs/matching.md). */
  tiedImap: number[];
}

/**
 * Ties the source's POP3 messages to IMAP messages with the strategies --uidl allows, cheapest
 * evidence first (docs/matching.md): formulas, then size and order, then header hashes (POP3 TOP and
 * IMAP headers, for the leftovers only), then content hashes. Messages sharing a key are told
 * apart by size, then content; what POP3 still holds after that (never decided by position) is
 * fetched over POP3, so it is never lost, keeps its UIDL and holds the bytes POP3 clients saw.
 */
export async function matchInbox(
  mode: UidlMode,
  snapshot: FolderSnapshot,
  pop3: Pop3Connection,
  imap: ImapFlow,
  earlier: ReadonlyMap<string, JournalEntry>,
  changedInPlace: ReadonlySet<number>,
  context: ErrorContext,
): Promise<InboxMatch> {
  const listing = joinUidlAndList(await pop3.session.uidl(), await pop3.session.list());
  if (mode === 'pop3') {
    const matched = finishMatching(startMatching([], listing));
    return { pop3: listing, matched, viaPop3: listing, copyImap: false, tiedImap: [] };
  }
  const uses = (strategy: UidlMode) => mode === 'auto' || mode === strategy;
  // What an earlier run matched and wrote is not matched again (a delta costs no evidence).
  const settled = settledUidls(listing, snapshot.messages, earlier, snapshot.uidValidity, changedInPlace);
  let s = startMatching(snapshot.messages, listing, settled);
  if (uses('formula')) s = matchByMessageFields(matchByFormula(s, snapshot.uidValidity));
  if (uses('size')) s = matchBySize(s);
  if (uses('header') && bothLeft(s)) {
    const pop3Keys = await topHeaderHashes(pop3, s.pop3Left);
    const blocks = await fetchHeaderBlocks(
      imap,
      s.imapLeft.map((m) => m.uid),
      context,
    );
    const imapKeys = new Map([...blocks].map(([uid, b]) => [uid, headerHash(b)]));
    s = matchByEqualKeys(s, pop3Keys, imapKeys, 'header hash', false);
  }
  if (mode !== 'auto')
    return { pop3: listing, matched: finishMatching(s), viaPop3: settled.pop3Only, copyImap: true, tiedImap: [] };
  if (bothLeft(s)) {
    // Last evidence before fetching over POP3: the bytes themselves, so a message is not imported twice.
    const pop3Keys = new Map<number, string>();
    // Without the headers a server adds or rewrites per protocol (uidl/content-key.ts).
    const contentKey = () => new ContentKey();
    for (const p of s.pop3Left) pop3Keys.set(p.n, await hashPop3Message(pop3.session, p.n, p.size, contentKey));
    const imapKeys = new Map<number, string>();
    for (const m of s.imapLeft) {
      const key = await imapContentKey(imap, m.uid, context);
      if (key) imapKeys.set(m.uid, key);
    }
    s = matchByEqualKeys(s, pop3Keys, imapKeys, 'content hash', true);
    // A server that rewrites a message per protocol (Courier-POP's RFC 6856 downgrade) defeats both
    // hashes; where the few left fit by size and order now, IMAP has the stored bytes and the
    // POP3 answer would not have been stored (longer than LIST).
    if (bothLeft(s)) s = matchBySize(s, 'size and order of what the hashes left');
  }
  const viaPop3 = [...settled.pop3Only, ...s.pop3Left];
  return { pop3: listing, matched: finishMatching(s), viaPop3, copyImap: true, tiedImap: tiedImap(s) };
}

function bothLeft(s: MatchState): boolean {
  return s.pop3Left.length > 0 && s.imapLeft.length > 0;
}

/** TOP n 0 for each message, pipelined where the server allows; a message gone meanwhile gets no hash. */
async function topHeaderHashes(pop3: Pop3Connection, messages: readonly Pop3Message[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  await pop3.session.pipelined(
    messages.map((m) => `TOP ${m.n} 0`),
    pop3.pipelining,
    (i, answer) => {
      if (Array.isArray(answer))
        out.set(
          (messages[i] as Pop3Message).n,
          headerHash(Buffer.from(answer.map((l) => `${l.toString('latin1')}\n`).join(''), 'latin1')),
        );
    },
  );
  return out;
}
