import type { ImportReport, VerifyReport } from './types.js';

/** Import: which server's UID lists were written, and every folder whose numbering is the server's. */
export function importImapUidLines(r: ImportReport): string[] {
  if (!r.imapServer || r.dryRun) return [];
  const user = r.user;
  if (r.imapServer.server === 'none') return [`${user}: no IMAP UID lists written (${r.imapServer.because})`];
  const folders = [
    { name: 'INBOX', uids: r.inbox.imapUids },
    ...r.folders.map((f) => ({ name: f.name, uids: f.imapUids })),
  ];
  const done = folders.filter((f) => f.uids);
  const lines = [
    `${user}: ${r.imapServer.server} UID lists (${r.imapServer.because}): ${done.reduce((n, f) => n + (f.uids?.listed ?? 0), 0)} messages in ${done.length} folders keep their source UIDs`,
  ];
  for (const { name, uids } of done) {
    if (!uids) continue;
    const where = `${user}: ${JSON.stringify(name)}`;
    if (uids.serverNumbered)
      lines.push(`${where}: the box's IMAP server has numbered messages of its own; the list is left to it`);
    if (uids.uidValidityChangedFrom !== undefined)
      lines.push(
        `${where}: UID list rewritten under the source's new UIDVALIDITY (was ${uids.uidValidityChangedFrom}); IMAP clients that synced since will fetch this folder again`,
      );
    if (uids.leftForServer > 0)
      lines.push(`${where}: ${uids.leftForServer} messages without a source UID here, left for the server to number`);
    if (uids.keywordsDropped.length > 0)
      lines.push(`${where}: keywords past Dovecot's 26 a folder, left out: ${uids.keywordsDropped.join(', ')}`);
  }
  return lines;
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
    return [`${r.user}: IMAP: ${compared} as on the source in ${c.folders} folders (${c.ranBy})${notCompared}`];
  const more =
    c.differences.length > shown
      ? [`  … and ${c.differences.length - shown} more (--verbose or --json lists all)`]
      : [];
  return [
    `${r.user}: ${c.differences.length} IMAP differences from the source in ${compared} (${c.ranBy}; IMAP clients with offline state see them)${notCompared}:`,
    ...c.differences.slice(0, shown).map((d) => `  ${d}`),
    ...more,
  ];
}
