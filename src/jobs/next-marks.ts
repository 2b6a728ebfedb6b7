import { folderClean, type FolderReport } from '../report/types.js';
import type { FolderMark } from '../state/folder-marks.js';
import type { FolderResult } from './folder-loop.js';

/**
 * The marks for the next run: a folder done completely and cleanly now is marked with the STATUS
 * it had before this run read it (mail that came in since changes STATUS, so it is read next
 * time); any other folder this run read loses its mark. Pure.
 */
export function nextMarks(
  marks: ReadonlyMap<string, FolderMark>,
  results: readonly FolderResult[],
): Map<string, FolderMark> {
  const next = new Map(marks);
  for (const { report, status } of results) {
    if (report.unchanged) continue;
    // The INBOX's mark repeats what its matching found, for the report of a run that skips it.
    const pop3 = report.pop3 && { pop3Messages: report.pop3.pop3Messages, uidlsKept: report.pop3.uidlsKept };
    if (folderClean(report) && settled(report) && status) next.set(report.name, { ...status, ...pop3 });
    else next.delete(report.name);
  }
  return next;
}

/** Files kept although the source deleted them wait for a --delete, messages above --max-size for
 *  a run without it: that run must read the folder. */
function settled(r: FolderReport): boolean {
  return r.overMaxSize.length === 0 && (!r.history || r.history.goneFromSource.length === 0 || r.history.goneDeleted);
}
