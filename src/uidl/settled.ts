import type { ImapMessageMeta, Pop3Message } from '../message-records.js';
import type { JournalEntry } from '../state/journal.js';
import type { Settled } from './match.js';

/**
 * A UIDL is settled when a file of ours carries it as its name and the journal's record of that
 * file says which message it is: the same UIDVALIDITY, the same UIDL, and the same announced size
 * (for a message tied to IMAP, the IMAP message still there with that size, or one the source
 * changed in place: `changedInPlace`, docs/journal.md). A UIDL several source messages share is
 * never settled: which of them the file is needs evidence again.
 */
export function settledUidls(
  listing: readonly Pop3Message[],
  imap: readonly ImapMessageMeta[],
  recordOf: ReadonlyMap<string, JournalEntry>,
  uidValidity: string,
  changedInPlace: ReadonlySet<number> = new Set(),
): Settled {
  const byUid = new Map(imap.map((m) => [m.uid, m]));
  const count = new Map<string, number>();
  for (const p of listing) count.set(p.uidl, (count.get(p.uidl) ?? 0) + 1);
  // A message written from POP3 alone may be one IMAP had not listed yet then (it came in between
  // the two listings): while IMAP shows a message no record of ours names, it is matched again.
  const recordedUids = new Set([...recordOf.values()].filter((r) => r.uidValidity === uidValidity).map((r) => r.uid));
  const newOnImap = imap.some((m) => !recordedUids.has(m.uid));
  const settled: Settled = { matches: [], pop3Only: [] };
  for (const p of listing) {
    const r = recordOf.get(p.uidl);
    if (!r || count.get(p.uidl) !== 1 || r.uidValidity !== uidValidity || r.uidl !== p.uidl) continue;
    if (r.uid === undefined) {
      if (r.size === p.size && !newOnImap) settled.pop3Only.push(p);
    } else if (r.size !== undefined && (byUid.get(r.uid)?.size === r.size || changedInPlace.has(r.uid))) {
      settled.matches.push({ uid: r.uid, pop3: p, matchedBy: 'an earlier run' });
    }
  }
  return settled;
}
