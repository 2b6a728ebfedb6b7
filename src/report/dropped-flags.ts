import type { ImapServer } from '../maildir/imap-server.js';
import type { ImportReport } from './types.js';

/**
 * The flags a message lost, once the box's IMAP server is taken into account: Dovecot shows the
 * keywords a Maildir name cannot hold from letters a–z (docs/imap-uids.md), so only those past its
 * 26 a folder are lost there. A dry run sets no letters, but the run would: counted as kept too.
 */
export function withKeptKeywords(report: ImportReport): ImportReport {
  const server = report.imapServer?.server;
  return {
    ...report,
    inbox: {
      ...report.inbox,
      droppedFlags: lost(report.inbox.droppedFlags, server, report.inbox.imapUids?.keywordsDropped),
    },
    folders: report.folders.map((f) => ({
      ...f,
      droppedFlags: lost(f.droppedFlags, server, f.imapUids?.keywordsDropped),
    })),
  };
}

function lost(
  dropped: Record<string, number>,
  server: ImapServer | undefined,
  pastLetters: readonly string[] = [],
): Record<string, number> {
  if (server !== 'dovecot') return dropped;
  // System flags (\...) are never keywords; the Maildir letters hold those it knows.
  return Object.fromEntries(
    Object.entries(dropped).filter(([flag]) => flag.startsWith('\\') || pastLetters.includes(flag)),
  );
}
