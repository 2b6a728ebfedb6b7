// --restore: messages deleted here since the import that the admin asks a run to bring back
// (docs/journal.md). Never the default: a user's deletion on the new box is normal life.

/** One --restore value: every message deleted here, a folder's message by UID, or the INBOX's by UIDL. */
export type RestoreRequest = { all: true } | { folder: string; uid: number } | { uidl: string };

/** "all"; FOLDER:UID (the folder as the report names it, the UID in digits); anything else is a UIDL of the INBOX. */
export function parseRestore(value: string): RestoreRequest {
  if (value === 'all') return { all: true };
  const m = /^(.+):(\d+)$/.exec(value);
  return m ? { folder: m[1] as string, uid: Number(m[2]) } : { uidl: value };
}

/** What --restore asks of one folder: everything deleted here, or these UIDs and UIDLs. */
export type FolderRestore = readonly ({ all: true } | { uid: number } | { uidl: string })[];

/** The requests that concern `folder` (its name as the source lists it). */
export function restoreIn(requests: readonly RestoreRequest[], folder: string): FolderRestore {
  const inbox = isInbox(folder);
  return requests.flatMap((r): FolderRestore => {
    if ('all' in r) return [r];
    if ('uidl' in r) return inbox ? [r] : [];
    return r.folder === folder || (inbox && isInbox(r.folder)) ? [{ uid: r.uid }] : [];
  });
}

/** Whether a message deleted here is one the run was asked to bring back. */
export function restores(restore: FolderRestore, m: { uid?: number; uidl?: string }): boolean {
  return restore.some((r) => 'all' in r || ('uid' in r ? m.uid === r.uid : m.uidl === r.uidl));
}

function isInbox(folder: string): boolean {
  return folder.toUpperCase() === 'INBOX';
}

/**
 * The --restore value that names message `m` of `folder`, parseRestore's inverse: the INBOX's by
 * its UIDL, any other (or an INBOX message whose UIDL would read as FOLDER:UID) as FOLDER:UID.
 */
export function restoreValue(folder: string, m: { uid?: number; uidl?: string }): string {
  const byUidl = m.uid === undefined || 'uidl' in parseRestore(m.uidl ?? '');
  if (m.uidl !== undefined && isInbox(folder) && byUidl) return m.uidl;
  return `${folder}:${m.uid}`;
}

/** The folder's --restore values (as restoreValue names them) that no message brought back answers:
 *  nothing deleted here has that UID or UIDL. */
export function unmatchedIn(
  folder: string,
  restore: FolderRestore,
  messages: readonly { uid?: number; uidl?: string; restored?: true }[],
): string[] {
  const back = messages.filter((m) => m.restored);
  return restore.flatMap((r) =>
    'all' in r || back.some((m) => restores([r], m)) ? [] : ['uidl' in r ? r.uidl : `${folder}:${r.uid}`],
  );
}

/** FOLDER:UID values naming none of `folders` (the folders this run read). */
export function folderNotRead(requests: readonly RestoreRequest[], folders: readonly string[]): string[] {
  return requests.flatMap((r) =>
    'folder' in r && folders.every((f) => restoreIn([r], f).length === 0) ? [`${r.folder}:${r.uid}`] : [],
  );
}
