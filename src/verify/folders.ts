import path from 'node:path';
import { FolderError, type ErrorContext } from '../errors.js';
import { imapFlagsFromName, MAILDIR_FLAGS } from '../maildir/flags.js';
import { maildirFolderFor, type FolderNameEncoding } from '../maildir/folder-name.js';
import { scanIfPresent, type ScannedEntry } from '../maildir/scan.js';
import type { SourceFolderRead } from './source-folders.js';
import type { ImportRecord } from '../state/records.js';
import { classifyFolder, type SinceCounts } from './since-import.js';

/** One folder compared: message count and, per flag a Maildir can hold, how many messages have it. */
export interface FolderCheck {
  name: string;
  dir: string;
  sourceMessages: number;
  /** undefined when the Maildir++ folder does not exist. */
  localMessages?: number;
  /** flag → [source count, local count], only where they differ. */
  flagDiffs: Record<string, [number, number]>;
  /** The source refused to open or list this folder (NO/BAD): it could not be compared. */
  error?: string;
  /** Unless --strict: mail delivered or deleted here since the import, and the count expected now. */
  sinceImport?: SinceCounts & { expectedLocal: number };
}

/**
 * Compares every selected source folder (INBOX too) with its Maildir folder: what an IMAP client
 * on the qmail box will show. Folders that cannot be mapped were reported by import; they are
 * left out here. `encoding`: how import named the directories, the box's IMAP server's way.
 */
export async function checkFolders(
  sourceFolders: readonly SourceFolderRead[],
  maildir: string,
  inbox: readonly ScannedEntry[],
  recordOf: (folder: string) => ImportRecord | undefined,
  context: ErrorContext,
  encoding: FolderNameEncoding,
): Promise<FolderCheck[]> {
  const checks: FolderCheck[] = [];
  for (const { folder, read: snapshot } of sourceFolders) {
    const isInbox = folder.path.toUpperCase() === 'INBOX';
    const mapping = isInbox ? { ok: true as const, dir: '' } : maildirFolderFor(folder.parts, encoding);
    if (!mapping.ok) continue;
    if (snapshot instanceof FolderError) {
      checks.push({
        name: folder.path,
        dir: mapping.dir || '.',
        sourceMessages: 0,
        flagDiffs: {},
        error: snapshot.detail,
      });
      continue;
    }
    const source = countFlags(snapshot.messages.map((m) => m.flags));
    // INBOX was scanned already for its POP3 listing; each other folder is scanned once here.
    const scanned = isInbox ? inbox : await scanIfPresent(path.join(maildir, mapping.dir), context);
    const local = scanned?.filter((e) => !e.name.startsWith('.'));
    const localFlags = countFlags((local ?? []).map((e) => imapFlagsFromName(e.name)));
    const flagDiffs: Record<string, [number, number]> = {};
    for (const flag of MAILDIR_FLAGS) {
      const pair: [number, number] = [source[flag] ?? 0, localFlags[flag] ?? 0];
      if (local && pair[0] !== pair[1]) flagDiffs[flag] = pair;
    }
    const record = recordOf(folder.path);
    const since =
      local && record
        ? classifyFolder(
            snapshot.messages.map((m) => m.uid),
            snapshot.uidValidity,
            local,
            record,
          )
        : undefined;
    checks.push({
      name: folder.path,
      dir: mapping.dir || '.',
      sourceMessages: snapshot.messages.length,
      ...(local ? { localMessages: local.length } : {}),
      flagDiffs,
      ...(since ? { sinceImport: since } : {}),
    });
  }
  return checks;
}

function countFlags(lists: readonly string[][]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const flags of lists) for (const f of flags) counts[f] = (counts[f] ?? 0) + 1;
  return counts;
}
