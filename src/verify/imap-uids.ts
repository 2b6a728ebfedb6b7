import fs from 'node:fs';
import type { ImapFlow } from 'imapflow';
import { FolderError, type ErrorContext } from '../errors.js';
import { folderNameEncodingOf, maildirFolderFor } from '../maildir/folder-name.js';
import { resolveImapServer, type ImapServer, type ImapServerChoice } from '../maildir/imap-server.js';
import { listFolders, readFolderSnapshot, type FolderSnapshot, type SourceFolder } from '../source/imap.js';
import { DOVECOT_IMAP, viewWithDovecotImap, type BoxFolderView } from './box-imap-runner.js';

/** What an IMAP client with offline state would find changed between the source and the box. */
export interface ImapUidCheck {
  server: ImapServer;
  /** The server binary run on the Maildir; absent when none was (`skipped` says why). */
  ranBy?: string;
  skipped?: string;
  folders: number;
  /** One line per difference, naming the folder and the UID. */
  differences: string[];
}

/**
 * Runs the box's IMAP server on the Maildir and compares, per selected source folder, its
 * UIDVALIDITY, UIDs and flags with the source's. Messages the box has beyond the source's (mail
 * delivered after the cutover) are no difference.
 */
export async function checkImapUids(
  imap: ImapFlow,
  maildir: string,
  choice: ImapServerChoice,
  wanted: (folder: SourceFolder) => boolean,
  context: ErrorContext,
): Promise<ImapUidCheck> {
  const { server } = resolveImapServer(choice, maildir);
  const none = { server, folders: 0, differences: [] };
  if (server !== 'dovecot')
    return { ...none, skipped: server === 'none' ? 'no IMAP server on the box' : `verify runs only Dovecot's imap` };
  if (!fs.existsSync(DOVECOT_IMAP)) return { ...none, skipped: `${DOVECOT_IMAP} not found` };
  const folders: { imapName: string; dir: string; snapshot: FolderSnapshot }[] = [];
  for (const folder of await listFolders(imap, context)) {
    const isInbox = folder.path.toUpperCase() === 'INBOX';
    if (!folder.selectable || (!isInbox && !wanted(folder))) continue;
    const mapping = isInbox
      ? { ok: true as const, dir: '', virtualName: 'INBOX' }
      : maildirFolderFor(folder.parts, folderNameEncodingOf(server));
    if (!mapping.ok) continue;
    // A folder the server refuses to open is reported by the folder check; here it is left out.
    const snapshot = await readFolderSnapshot(imap, folder.path, { ...context, folder: folder.path }).catch(
      (err: unknown) => {
        if (err instanceof FolderError) return undefined;
        throw err;
      },
    );
    if (!snapshot) continue;
    folders.push({ imapName: mapping.virtualName, dir: mapping.dir, snapshot });
  }
  const views = await viewWithDovecotImap(DOVECOT_IMAP, maildir, folders, context);
  return {
    server,
    ranBy: `dovecot ${DOVECOT_IMAP}`,
    folders: folders.length,
    differences: folders.flatMap((f) => compareFolder(f.snapshot, views.get(f.imapName))),
  };
}

/** The differences in one folder, each line naming the folder and, where there is one, the UID. */
export function compareFolder(source: FolderSnapshot, box: BoxFolderView | undefined): string[] {
  const name = source.path;
  if (!box || box.error !== undefined)
    return [`${name}: the box's IMAP server did not open it: ${box?.error ?? 'no answer'}`];
  if (box.uidValidity !== Number(source.uidValidity))
    return [`${name}: UIDVALIDITY ${source.uidValidity} on the source, ${box.uidValidity ?? 'none'} on the box`];
  const out: string[] = [];
  for (const m of source.messages) {
    const flags = box.flagsByUid.get(m.uid);
    if (!flags) {
      out.push(`${name} uid ${m.uid}: not on the box under this UID`);
      continue;
    }
    const want = normalFlags(m.flags);
    const got = normalFlags(flags);
    if (want !== got) out.push(`${name} uid ${m.uid}: flags (${want}) on the source, (${got}) on the box`);
  }
  return out;
}

function normalFlags(flags: readonly string[]): string {
  return flags
    .filter((f) => f !== '\\Recent')
    .sort()
    .join(' ');
}
