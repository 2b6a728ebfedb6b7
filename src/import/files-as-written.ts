import path from 'node:path';
import type { JournalEntry } from '../journal-records.js';
import { existingByName, scanIfPresent } from '../maildir/scan.js';
import { allAsWritten } from '../plan/repair.js';
import { folderHistory } from '../state/records.js';
import type { UserJob } from '../user-job.js';
import type { FolderTarget } from './folder-import.js';

/**
 * Whether every file of ours in a folder is still as the import wrote it: one scan, a stat per
 * file, no read. A folder whose source is unchanged since its mark is read all the same when one
 * is not, so that the run repairs it (src/plan/repair.ts).
 */
export async function filesAsWritten(
  job: UserJob,
  entries: readonly JournalEntry[],
  target: FolderTarget,
  uidValidity: string,
): Promise<boolean> {
  const context = { user: job.user, folder: target.folder.path };
  const existing = existingByName((await scanIfPresent(path.join(job.maildir, target.dirName), context)) ?? []);
  return allAsWritten(existing, folderHistory(entries, target.folder.path, uidValidity, existing).recordOf);
}
