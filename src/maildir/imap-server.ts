import fs from 'node:fs';
import path from 'node:path';

/** The IMAP server that serves the box's Maildirs, whose UID list the import writes. */
export type ImapServer = 'dovecot' | 'courier' | 'none';
export type ImapServerChoice = ImapServer | 'auto';
export const IMAP_SERVER_CHOICES: readonly ImapServerChoice[] = ['auto', 'dovecot', 'courier', 'none'];

/** Where Debian and source installs put each server's IMAP binary. */
const BINARIES: Record<'dovecot' | 'courier', readonly string[]> = {
  dovecot: ['/usr/lib/dovecot/imap', '/usr/libexec/dovecot/imap', '/usr/local/libexec/dovecot/imap'],
  courier: ['/usr/lib/courier/courier/imapd', '/usr/bin/imapd', '/usr/lib/courier-imap/bin/imapd'],
};

/** Files a server leaves in a Maildir it has served. Not the subscription files: the import writes
 *  both servers' (maildir/subscriptions.ts), so they tell nothing. */
const TRACES: Record<'dovecot' | 'courier', (name: string) => boolean> = {
  dovecot: (n) => n === 'dovecot-uidlist' || n.startsWith('dovecot.index') || n.startsWith('dovecot.list.index'),
  courier: (n) => n === 'courierimapuiddb' || n === 'courierimapacl' || n === 'courierimapkeywords',
};

/**
 * `auto`: what the Maildir already holds first (a server that has served it left its files
 * there), else the one server whose IMAP binary is installed on the box; neither or both: none,
 * and the reason says which. The reason goes into the report.
 */
export function resolveImapServer(choice: ImapServerChoice, maildir: string): { server: ImapServer; because: string } {
  if (choice !== 'auto') return { server: choice, because: '--imap-server' };
  const names = (() => {
    try {
      return fs.readdirSync(maildir);
    } catch {
      return [];
    }
  })();
  const traced = (['dovecot', 'courier'] as const).filter((s) => names.some(TRACES[s]));
  if (traced.length === 1) return { server: traced[0] as ImapServer, because: `its files in ${maildir}` };
  const installed = (['dovecot', 'courier'] as const).filter((s) => installedImapBinary(s) !== undefined);
  if (installed.length === 1)
    return {
      server: installed[0] as ImapServer,
      because: `${installedImapBinary(installed[0] as 'dovecot')} installed`,
    };
  const what =
    traced.length > 1
      ? 'files of both Dovecot and Courier in the Maildir'
      : installed.length > 1
        ? 'both Dovecot and Courier installed'
        : 'no Dovecot or Courier IMAP found';
  return { server: 'none', because: `${what}; give --imap-server` };
}

/** The server's IMAP binary where Debian or a source install puts it, if there is one. */
export function installedImapBinary(server: 'dovecot' | 'courier'): string | undefined {
  return BINARIES[server].find(isFile);
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(path.resolve(p)).isFile();
  } catch {
    return false;
  }
}
