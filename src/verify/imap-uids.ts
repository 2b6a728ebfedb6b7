import fs from 'node:fs';
import { FolderError, type ErrorContext } from '../errors.js';
import { folderNameEncodingOf, maildirFolderFor } from '../maildir/folder-name.js';
import {
  installedImapBinary,
  resolveImapServer,
  type ImapServer,
  type ImapServerChoice,
} from '../maildir/imap-server.js';
import type { FolderFlags } from '../source/imap-flag-search.js';
import type { SourceFolder } from '../source/imap.js';
import { DOVECOT_IMAP } from '../maildir/box-tools.js';
import { viewWithDovecotImap, type BoxFolderView } from './box-imap-runner.js';
import { viewWithCourierImapd } from './courier-imapd-runner.js';
import { readMarks, type FolderMark } from '../state/folder-marks.js';
import type { SourceFolderRead } from './source-folders.js';

/** What an IMAP client with offline state would find changed between the source and the box. */
export interface ImapUidCheck {
  server: ImapServer;
  /** The server binary run on the Maildir; absent when none was (`skipped` says why). */
  ranBy?: string;
  skipped?: string;
  folders: number;
  /** What was compared: UIDVALIDITY, each message's UID and flags (--strict), or UIDVALIDITY alone. */
  exact: boolean;
  /** One line per difference, naming the folder and the UID. */
  differences: string[];
}

/**
 * Runs the box's IMAP server on the Maildir and compares, per selected source folder, its
 * UIDVALIDITY, HIGHESTMODSEQ (box at least the source's), UIDs and flags with the source's. The server runs while the source's folders are
 * still `reading` (each once, for the folder check too). Messages the box has beyond the
 * source's (mail delivered after the cutover) are no difference. `courierImapd`: Courier's
 * imapd as the admin named it (--courier-imapd, $COURIER_IMAPD); else where it is installed.
 */
export async function checkImapUids(
  selected: readonly SourceFolder[],
  reading: Promise<readonly SourceFolderRead[]>,
  maildir: string,
  choice: ImapServerChoice,
  context: ErrorContext,
  courierImapd: string | undefined,
  /** --strict: every message and flag; else only what normal life cannot explain. */
  exact: boolean,
): Promise<ImapUidCheck> {
  const { server } = resolveImapServer(choice, maildir);
  const none = { server, folders: 0, exact, differences: [] };
  if (server === 'none') return { ...none, skipped: 'no IMAP server on the box' };
  const binary = server === 'dovecot' ? DOVECOT_IMAP : (courierImapd ?? installedImapBinary('courier'));
  if (binary === undefined || !fs.existsSync(binary))
    return { ...none, skipped: `${binary ?? "Courier's imapd (--courier-imapd, $COURIER_IMAPD)"} not found` };
  const onBox = selected.flatMap((folder) => {
    const where =
      folder.path.toUpperCase() === 'INBOX' ? { imapName: 'INBOX', dir: '' } : boxFolderOf(folder.parts, server);
    return where ? [{ ...where, path: folder.path }] : [];
  });
  const views = await (server === 'dovecot' ? viewWithDovecotImap : viewWithCourierImapd)(
    binary,
    maildir,
    onBox,
    // Without --strict only UIDVALIDITY is compared: no message's flags are asked for.
    exact,
    context,
  );
  const readOf = new Map((await reading).map((r) => [r.folder.path, r.read]));
  const marks = exact ? new Map<string, FolderMark>() : await readMarks(maildir, context);
  // A folder the server refuses to open is reported by the folder check; here it is left out.
  const folders = onBox.flatMap((f) => {
    const snapshot = readOf.get(f.path);
    return snapshot && !(snapshot instanceof FolderError) ? [{ ...f, snapshot }] : [];
  });
  return {
    server,
    ranBy: `${server} ${binary}`,
    folders: folders.length,
    exact,
    differences: folders.flatMap((f) =>
      compareFolder(f.snapshot, views.get(f.imapName), exact, marks.get(f.path)?.highestModseq),
    ),
  };
}

/**
 * Where the import put a folder (its directory, in the server's encoding) and the name the server
 * gives it over IMAP: modified UTF-7 on the wire for both (Courier turns its UTF-8 directory names
 * into it), under Courier's "INBOX." namespace.
 */
function boxFolderOf(
  parts: readonly string[],
  server: 'dovecot' | 'courier',
): { imapName: string; dir: string } | undefined {
  const stored = maildirFolderFor(parts, folderNameEncodingOf(server));
  const wire = maildirFolderFor(parts, 'mutf7');
  if (!stored.ok || !wire.ok) return undefined;
  return { imapName: server === 'courier' ? `INBOX.${wire.virtualName}` : wire.virtualName, dir: stored.dir };
}

/**
 * The differences in one folder, each line naming the folder and, where there is one, the UID.
 * Not `exact` (verify after the cutover): a message deleted here or a flag a user changed is
 * normal life, which the folder check counts; a UIDVALIDITY the box does not keep never is, nor a
 * HIGHESTMODSEQ below the one the last complete import of the folder saw (`importedModseq`, its
 * mark): a change at the source since then is normal life too, which the next delta brings.
 */
export function compareFolder(
  source: FolderFlags,
  box: BoxFolderView | undefined,
  exact = true,
  importedModseq?: string,
): string[] {
  const name = source.path;
  if (!box || box.error !== undefined)
    return [`${name}: the box's IMAP server did not open it: ${box?.error ?? 'no answer'}`];
  if (box.uidValidity !== Number(source.uidValidity))
    return [`${name}: UIDVALIDITY ${source.uidValidity} on the source, ${box.uidValidity ?? 'none'} on the box`];
  const out: string[] = [];
  // RFC 7162: never lower under one UIDVALIDITY (docs/imap-uids.md). Courier has no CONDSTORE: no value.
  const now = source.highestModseq;
  if (now !== undefined && box.highestModseq !== undefined) {
    const sinceImport = !exact && importedModseq !== undefined && BigInt(importedModseq) < BigInt(now);
    const floor = sinceImport ? `${importedModseq} on the source when imported` : `${now} on the source`;
    if (box.highestModseq < BigInt(sinceImport ? (importedModseq as string) : now))
      out.push(
        `${name}: HIGHESTMODSEQ ${floor}, ${box.highestModseq} on the box: CONDSTORE/QRESYNC clients miss changes made here`,
      );
  }
  if (!exact) return out;
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
