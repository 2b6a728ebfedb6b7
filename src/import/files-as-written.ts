import path from 'node:path';
import { existingByName, scanIfPresent } from '../maildir/scan.js';
import { allAsWritten } from '../plan/repair.js';
import type { JournalContents } from '../state/journal.js';
import { folderHistory } from '../state/records.js';
import type { UserJob } from '../user-job.js';
import type { FolderTarget } from './folder-import.js';

/**
 * Whether every file of ours in a folder is still as the import wrote it: one scan, a stat per
 * file. A folder whose source is unchanged since its mark is read all the same when one is not,
 * so that the run repairs it (src/plan/repair.ts). Files whose inode changed before `sinceMs`
 * (the marks' last write, at the end of the last run, which left them as written) need no look
 * at the journal: only a folder with a file touched since then has it read.
 */
export async function filesAsWritten(
  job: UserJob,
  records: () => Promise<JournalContents>,
  target: FolderTarget,
  uidValidity: string,
  sinceMs: number | undefined,
): Promise<boolean> {
  const context = { user: job.user, folder: target.folder.path };
  const scanned = (await scanIfPresent(path.join(job.maildir, target.dirName), context)) ?? [];
  if (sinceMs !== undefined && scanned.every((e) => e.changedMs < sinceMs)) return true;
  const existing = existingByName(scanned);
  const { entries } = await records();
  return allAsWritten(existing, folderHistory(entries, target.folder.path, uidValidity, existing).recordOf);
}
