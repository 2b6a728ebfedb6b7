import { heldBack, type ImportRecord } from '../state/records.js';
import { uidlOfName, type MaildirEntry } from '../maildir/pop3d-listing.js';
import type { ListingDiff } from './compare.js';

/**
 * What happened to a Maildir after the import, told apart by the journal (which files the import
 * wrote) and file times (what came after the last import). Verify runs days after the cutover,
 * while users receive and delete mail here: that is normal life, counted, not a mismatch.
 */
export interface SinceImport {
  /** Files the import never wrote, modified at or after its last write: delivered here since. */
  newHere: string[];
  /** Messages the import wrote, still on the source, whose file is gone: deleted here since. */
  deletedHere: string[];
  /** Files the import wrote whose message the source no longer has. */
  goneFromSource: string[];
  /** Source messages the import skipped as above --max-size and never wrote: not here, on purpose. */
  overMaxSize: string[];
}

/** The same, counted: per folder, and for the account. */
export interface SinceCounts {
  newHere: number;
  deletedHere: number;
  goneFromSource: number;
  overMaxSize: number;
}

/**
 * Splits the INBOX's exact listing difference into normal life and real problems: a source UIDL
 * the import wrote and that is gone here was deleted here; a file never written and newer than
 * the import was delivered here; a file written whose UIDL left the source is gone from the
 * source. What is left in `diff` (missing, extra, reordered, size) is a real problem.
 */
export function classifyInbox(
  diff: ListingDiff,
  sourceUidls: ReadonlySet<string>,
  entries: readonly MaildirEntry[],
  record: ImportRecord,
): { diff: ListingDiff; since: SinceImport } {
  const here = new Set(entries.map((e) => uidlOfName(e.name)));
  const deletedHere = diff.missing.filter((m) => record.written.has(m.uidl) && !here.has(m.uidl)).map((m) => m.uidl);
  // A file written under its own UIDL that the source no longer lists; one written under another
  // name (POP3 clients download it again) was reported by the import and stays an extra.
  const goneFromSource = diff.extra.filter((m) => record.written.get(m.uidl)?.uidl === m.uidl).map((m) => m.uidl);
  // From the scan, not the listing: a message delivered this very second is not listed yet.
  const newHere = entries
    .map((e) => ({ uidl: uidlOfName(e.name), mtimeSec: e.mtimeSec }))
    .filter((e) => !record.written.has(e.uidl) && !sourceUidls.has(e.uidl) && e.mtimeSec >= record.lastImportSec)
    .map((e) => e.uidl);
  const skipped = new Set(heldBack(record).map((s) => s.uidl));
  const overMaxSize = diff.missing.filter((m) => skipped.has(m.uidl)).map((m) => m.uidl);
  const normal = new Set([...newHere, ...goneFromSource, ...deletedHere, ...overMaxSize]);
  return {
    diff: {
      ...diff,
      missing: diff.missing.filter((m) => !normal.has(m.uidl)),
      extra: diff.extra.filter((m) => !normal.has(m.uidl)),
    },
    since: { newHere, deletedHere, goneFromSource, overMaxSize },
  };
}

/** The same split for a folder's message count, by IMAP UID: what count is expected here now. */
export function classifyFolder(
  sourceUids: readonly number[],
  uidValidity: string,
  local: readonly MaildirEntry[],
  record: ImportRecord,
): SinceCounts & { expectedLocal: number } {
  const names = new Set(local.map((e) => uidlOfName(e.name)));
  const onSource = new Set(sourceUids);
  const deletedHere: string[] = [];
  const goneFromSource: string[] = [];
  // Only the last UIDVALIDITY's records: a renumbered folder's older UIDs name other messages now.
  // A file still under a record of an older one, once an import ran since the renumbering, is one
  // no message of the new numbering took by content: gone from the source (docs/journal.md).
  const importedSince = [...record.written.values()].some((e) => e.uidValidity === uidValidity);
  for (const [name, e] of record.written) {
    if (e.uid === undefined) continue;
    if (e.uidValidity !== uidValidity) {
      if (importedSince && names.has(name)) goneFromSource.push(name);
      continue;
    }
    if (onSource.has(e.uid) && !names.has(name)) deletedHere.push(name);
    if (!onSource.has(e.uid) && names.has(name)) goneFromSource.push(name);
  }
  const newHere = local
    .filter((e) => !record.written.has(uidlOfName(e.name)) && e.mtimeSec >= record.lastImportSec)
    .map((e) => uidlOfName(e.name));
  const overMaxSize = new Set(
    heldBack(record, uidValidity)
      .filter((s) => onSource.has(s.uid as number))
      .map((s) => s.uid),
  ).size;
  return {
    newHere: newHere.length,
    deletedHere: deletedHere.length,
    goneFromSource: goneFromSource.length,
    overMaxSize,
    expectedLocal: sourceUids.length - deletedHere.length + newHere.length + goneFromSource.length - overMaxSize,
  };
}
