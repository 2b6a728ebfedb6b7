import { NO_CONDSTORE } from '../maildir/dovecot-modseq.js';
import type { ImapUidOutcome } from '../maildir/imap-uid-state.js';
import { plural } from './text-parts.js';
import type { ImportReport, VerifyReport } from './types.js';

/** Import: which server's UID lists were written, and every folder whose numbering is the server's. */
export function importImapUidLines(r: ImportReport): string[] {
  if (!r.imapServer || r.dryRun) return [];
  const user = r.user;
  if (r.imapServer.server === 'none') return [`${user}: no IMAP UID lists written (${r.imapServer.because})`];
  const folders = [
    { name: 'INBOX', uids: r.inbox.imapUids, report: r.inbox },
    ...r.folders.map((f) => ({ name: f.name, uids: f.imapUids, report: f })),
  ];
  const done = folders.filter((f) => f.uids);
  const floors = done.filter((f) => f.uids?.modseq && 'floor' in f.uids.modseq).length;
  const listed = done.reduce((n, f) => n + (f.uids?.listed ?? 0), 0);
  // A run that wrote no UID list (every folder unchanged, or failed) has nothing to say of them.
  const lines = [
    ...(done.length > 0
      ? [
          `${user}: ${r.imapServer.server} UID lists (${r.imapServer.because}): source UIDs kept for ${plural(listed, 'message')} in ${plural(done.length, 'folder')}` +
            (r.imapServer.server === 'dovecot' ? `; HIGHESTMODSEQ at least the source's in ${floors}` : ''),
        ]
      : []),
    ...modseqNotKeptLines(user, done),
  ];
  for (const { name, report } of folders)
    if (!report.unchanged && !report.error && report.errors.length > 0 && !report.imapUids)
      lines.push(
        `${user}: ${JSON.stringify(name)}: UID list left as it was until its ${plural(report.errors.length, 'failed message is', 'failed messages are')} written; the run that writes them lists them under their source UIDs`,
      );
  for (const { name, uids } of done) {
    if (!uids) continue;
    const where = `${user}: ${JSON.stringify(name)}`;
    if (uids.modseq && 'error' in uids.modseq)
      lines.push(`${where}: HIGHESTMODSEQ not raised to the source's: ${uids.modseq.error}; ${MISSED_CHANGES}`);
    if (uids.serverNumbered)
      lines.push(`${where}: the box's IMAP server has numbered messages of its own; the list is left to it`);
    if (uids.uidValidityChangedFrom !== undefined)
      lines.push(
        `${where}: UID list rewritten under the source's new UIDVALIDITY (was ${uids.uidValidityChangedFrom}); IMAP clients that synced since will fetch this folder again`,
      );
    if (uids.leftForServer > 0)
      lines.push(
        `${where}: ${plural(uids.leftForServer, 'message')} without a source UID here, left for the server to number`,
      );
  }
  return lines;
}

/** What a CONDSTORE/QRESYNC client does where the box's HIGHESTMODSEQ is below the source's. */
const MISSED_CHANGES =
  "an IMAP client that asks only for changes since the source's value (CONDSTORE, QRESYNC) misses changes made on the box until its count passes that value";

/** Folders whose HIGHESTMODSEQ could not be carried, one line per reason. */
function modseqNotKeptLines(user: string, done: readonly { name: string; uids?: ImapUidOutcome }[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const { name, uids } of done)
    if (uids?.modseq && 'notKept' in uids.modseq)
      byReason.set(uids.modseq.notKept, [...(byReason.get(uids.modseq.notKept) ?? []), name]);
  return [...byReason].map(([reason, names]) => {
    const what = reason === NO_CONDSTORE ? 'no client holds a MODSEQ of it, nothing to keep' : MISSED_CHANGES;
    return `${user}: HIGHESTMODSEQ not carried to the box in ${plural(names.length, 'folder')} (${reason}): ${what}`;
  });
}

/** Verify: the box's IMAP server's view against the source's, or why it was not run. */
export function verifyImapUidLines(r: VerifyReport, shown: number): string[] {
  const c = r.imapUids;
  if (!c) return [];
  if (c.skipped !== undefined) return [`${r.user}: IMAP UIDs not checked: ${c.skipped}`];
  // Without --strict the box's server is asked only for each folder's UIDVALIDITY: say so.
  const compared = c.exact ? 'UIDVALIDITY, UIDs and flags' : 'UIDVALIDITY';
  const notCompared = c.exact ? '' : "; each message's UID and flags not compared (verify --strict compares them)";
  if (c.differences.length === 0)
    return [
      `${r.user}: IMAP: ${compared} as on the source${c.server === 'dovecot' ? ', HIGHESTMODSEQ not below it,' : ''} in ${plural(c.folders, 'folder')} (${c.ranBy})${notCompared}`,
    ];
  const more =
    c.differences.length > shown
      ? [`  … and ${c.differences.length - shown} more (--verbose or --json lists all)`]
      : [];
  return [
    `${r.user}: ${plural(c.differences.length, 'IMAP difference')} from the source in ${compared} (${c.ranBy}; IMAP clients with offline state see them)${notCompared}:`,
    ...c.differences.slice(0, shown).map((d) => `  ${d}`),
    ...more,
  ];
}
