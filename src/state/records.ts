// What the journal means (docs/journal.md), asked by import's plan and by verify alike so that
// they cannot disagree: a folder's history, the UIDLs an earlier run settled, the UIDs of what we
// wrote for the box's UID list, verify's per-folder records and the sizes it may trust. The file
// itself (reading and appending lines) is state/journal.ts; what one record says of one message
// is src/journal-records.ts, which the pure plan takes too.
import {
  historyKey,
  recordIdentifies,
  type FolderHistory,
  type JournalEntry,
  type JournalSkip,
} from '../journal-records.js';
import type { ImapUidState } from '../maildir/uid-list-plan.js';
import { uidlOfName, type MaildirEntry } from '../maildir/pop3d-listing.js';
import type { ImapMessageMeta, Pop3Message } from '../message-records.js';
import type { Settled } from '../uidl/match.js';
import type { JournalContents } from './journal.js';

/** One folder's history for the plan, from the journal and the names of the files the folder holds now. */
export function folderHistory(
  entries: readonly JournalEntry[],
  folder: string,
  uidValidity: string,
  existing: ReadonlyMap<string, unknown>,
  skips: readonly JournalSkip[] = [],
): FolderHistory {
  const mine = entries.filter((e) => e.folder === folder);
  const last = mine[mine.length - 1]?.uidValidity;
  const recordOf = new Map<string, JournalEntry>();
  const gone = new Set<string>();
  const stillHere = new Set<string>();
  for (const e of mine) {
    if (existing.has(e.name)) recordOf.set(e.name, e);
    if (e.uidValidity !== uidValidity) continue;
    (existing.has(e.name) ? stillHere : gone).add(historyKey(e));
  }
  // A message renamed since (by content, or out of a name another message needed) is still here.
  const deletedHere = new Set([...gone].filter((k) => !stillHere.has(k)));
  return {
    ...(last !== undefined && last !== uidValidity ? { uidValidityChangedFrom: last } : {}),
    recordOf,
    deletedHere,
    skipped: new Set(skips.filter((s) => s.folder === folder && s.uidValidity === uidValidity).map(historyKey)),
  };
}

/**
 * A UIDL is settled when a file of ours carries it as its name and the journal's record of that
 * file, written under that UIDL with the size the source announced, still identifies the message
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
    // A record of an older version, without the size, settles nothing: its message is matched again.
    if (!r || count.get(p.uidl) !== 1 || r.uidl !== p.uidl || r.size === undefined) continue;
    if (r.uid === undefined) {
      if (!newOnImap && recordIdentifies(r, p, uidValidity)) settled.pop3Only.push(p);
    } else if (recordIdentifies(r, { uid: r.uid, size: byUid.get(r.uid)?.size }, uidValidity, changedInPlace)) {
      settled.matches.push({ uid: r.uid, pop3: p, matchedBy: 'an earlier run' });
    }
  }
  return settled;
}

/** What the journal holds for a folder's UID list: our files and their source UIDs, under the
 *  folder's UIDVALIDITY now and under earlier ones (messages fetched over POP3 alone have none). */
export function recordedUids(
  entries: readonly JournalEntry[],
  folder: string,
  uidValidity: string,
): { byName: Map<string, number>; earlier: ImapUidState['earlier'] } {
  const mine = entries.filter((e) => e.folder === folder && e.uid !== undefined);
  const byName = new Map<string, number>();
  for (const e of mine) if (e.uidValidity === uidValidity) byName.set(e.name, e.uid as number);
  const earlier = mine
    .filter((e) => e.uidValidity !== uidValidity)
    .map((e) => ({ uidValidity: e.uidValidity, uid: e.uid as number, name: e.name }));
  return { byName, earlier };
}

/** What the import did in one folder, as verify takes it. */
export interface ImportRecord {
  /** The files the import wrote in this folder, by name up to ':' (the last record per name). */
  written: ReadonlyMap<string, JournalEntry>;
  /** The messages the import skipped in this folder as above --max-size. */
  skips: readonly JournalSkip[];
  /** When the import last wrote a message (the journal's mtime), in whole seconds. */
  lastImportSec: number;
}

/** Verify's record of each folder, from the journal's contents and its mtime. */
export function recordsByFolder(
  { entries, skips }: JournalContents,
  lastImportSec: number,
): (folder: string) => ImportRecord {
  const byFolder = new Map<string, Map<string, JournalEntry>>();
  for (const e of entries) {
    const written = byFolder.get(e.folder) ?? new Map<string, JournalEntry>();
    byFolder.set(e.folder, written.set(e.name, e));
  }
  const skipsByFolder = new Map<string, JournalSkip[]>();
  for (const s of skips) skipsByFolder.set(s.folder, (skipsByFolder.get(s.folder) ?? []).concat(s));
  return (folder) => ({
    written: byFolder.get(folder) ?? new Map(),
    skips: skipsByFolder.get(folder) ?? [],
    lastImportSec,
  });
}

/**
 * The skips no written line names since: messages not here on purpose (a run without the limit
 * writes them, and its line then tells). The INBOX is compared by its POP3 listing, so by UIDL
 * (`uidValidity` absent); another folder by UID, under its UIDVALIDITY now only, since a
 * renumbered folder's older UIDs name other messages.
 */
export function heldBack(record: ImportRecord, uidValidity?: string): JournalSkip[] {
  const written = [...record.written.values()];
  if (uidValidity === undefined) {
    const uidls = new Set(written.map((e) => e.uidl));
    return record.skips.filter((s) => !uidls.has(s.uidl));
  }
  const uids = new Set(written.filter((e) => e.uidValidity === uidValidity).map((e) => e.uid));
  return record.skips.filter((s) => s.uidValidity === uidValidity && !uids.has(s.uid));
}

/** A listed file's LF count as the journal recorded it, when the file's size and mtime are still
 *  as the import wrote it: verify trusts it instead of reading the file (docs/journal.md). */
export function recordedLines(entry: MaildirEntry, record: ImportRecord | undefined): number | undefined {
  const stored = record?.written.get(uidlOfName(entry.name))?.stored;
  return stored && stored.bytes === entry.size && stored.mtimeSec === entry.mtimeSec ? stored.lines : undefined;
}
