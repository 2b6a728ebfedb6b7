import type { ErrorContext } from '../errors.js';
import { courierLocked, readCourierUiddb, writeCourierUiddb } from './courier-uiddb.js';
import type { ModseqOutcome } from './dovecot-modseq.js';
import { dovecotLocked, newDovecotGuid, readDovecotUidlist, writeDovecotUidlist } from './dovecot-uidlist.js';
import { resolveImapServer, type ImapServer, type ImapServerChoice } from './imap-server.js';
import { uidlOfName } from './pop3d-listing.js';
import { scanMaildir, type ScannedEntry } from './scan.js';
import { decideUidList, type ImapUidState, type UidListDecision } from './uid-list-plan.js';

export type { ImapUidState } from './uid-list-plan.js';

/** What writing one folder's UID list did, for the report. */
export interface ImapUidOutcome extends Omit<UidListDecision, 'write'> {
  server: Exclude<ImapServer, 'none'>;
  /** The list was (re)written this run. */
  written: boolean;
  /** Dovecot: the folder's HIGHESTMODSEQ raised to the source's, or why not (src/maildir/dovecot-modseq.ts). */
  modseq?: ModseqOutcome;
}

/**
 * The one step after a folder's messages are written: the box's IMAP server's UID list for the
 * folder, so that it shows the source's UIDVALIDITY and UIDs (docs/imap-uids.md). Runs under the
 * server's own lock; `folderDir` is the Maildir itself for INBOX. Nothing for server "none".
 */
export async function writeImapUidState(
  maildir: string,
  folderDir: string,
  choice: ImapServerChoice,
  state: ImapUidState,
  context: ErrorContext,
): Promise<ImapUidOutcome | undefined> {
  const server = resolveImapServer(choice, maildir).server;
  if (server === 'none') return undefined;
  if (server === 'courier')
    return courierLocked(
      folderDir,
      async () => {
        const files = await filesOf(folderDir, context);
        const present = new Set(files.filter((f) => f.dir === 'cur').map((f) => uidlOfName(f.name)));
        const decision = decideUidList(await readCourierUiddb(folderDir, context), present, state);
        if (decision.write) await writeCourierUiddb(folderDir, decision.write, context);
        return outcome('courier', decision);
      },
      context,
    );
  return dovecotLocked(
    folderDir,
    async () => {
      const files = await filesOf(folderDir, context);
      const existing = await readDovecotUidlist(folderDir, context);
      const decision = decideUidList(existing, new Set(files.map((f) => uidlOfName(f.name))), state);
      if (decision.write)
        await writeDovecotUidlist(
          maildir,
          folderDir,
          { ...decision.write, guid: existing?.guid || newDovecotGuid() },
          context,
        );
      return outcome('dovecot', decision);
    },
    context,
  );
}

function outcome(server: 'dovecot' | 'courier', { write, ...decision }: UidListDecision): ImapUidOutcome {
  return { server, written: write !== undefined, ...decision };
}

async function filesOf(folderDir: string, context: ErrorContext): Promise<ScannedEntry[]> {
  return (await scanMaildir(folderDir, false, context)).filter((e) => e.isFile);
}
