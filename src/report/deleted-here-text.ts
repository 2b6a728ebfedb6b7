import { parseRestore, restoreValue } from '../plan/restore.js';
import { shellWord } from '../shell-word.js';
import { section } from './text-parts.js';
import type { ImportReport, MessageId, VerifyReport } from './types.js';

// Messages deleted here since the import, named as --restore takes them (src/plan/restore.ts), so
// that the admin can copy one; and the --restore values that named nothing.

/** Import: a folder's messages deleted here and left deleted. */
export function keptDeletedLines(shown: number, user: string, folder: string, ids: readonly MessageId[]): string[] {
  return section(
    shown,
    user,
    ids,
    [
      'message',
      `of ${JSON.stringify(folder)} deleted here since the import, not brought back (--restore with one of these brings it back)`,
    ],
    (m) => shellWord(restoreValue(folder, m)),
  );
}

/** Verify: every message deleted here since the import, the INBOX's by UIDL, the others' as FOLDER:UID. */
export function deletedHereLines(shown: number, r: VerifyReport): string[] {
  const s = r.sinceImport;
  if (!s) return [];
  const inFolders = r.folders.flatMap((f) =>
    f.name.toUpperCase() === 'INBOX'
      ? []
      : (f.sinceImport?.deletedHereUids ?? []).map((uid) => restoreValue(f.name, { uid })),
  );
  return section(
    shown,
    r.user,
    [...s.inbox.deletedHere.map((uidl) => restoreValue('INBOX', { uidl })), ...inFolders],
    'deleted here since the import (import --restore with one of these brings it back)',
    shellWord,
  );
}

/** Import: each --restore value that matched nothing deleted here (a typo brings nothing back). */
export function restoreUnmatchedLines(r: ImportReport): string[] {
  const inFolders = [r.inbox, ...r.folders].flatMap((f) =>
    (f.restoreUnmatched ?? []).map((v) =>
      'uidl' in parseRestore(v)
        ? `--restore ${shellWord(v)}: nothing deleted here has that UIDL`
        : `--restore ${shellWord(v)}: nothing of ${JSON.stringify(f.name)} deleted here has that UID`,
    ),
  );
  const noFolder = (r.restoreNoFolder ?? []).map((v) => {
    const { folder } = parseRestore(v) as { folder: string };
    return `--restore ${shellWord(v)}: no folder ${JSON.stringify(folder)} among those this run read`;
  });
  return [...inFolders, ...noFolder].map((l) => `${r.user}: ${l}, nothing brought back for it`);
}
