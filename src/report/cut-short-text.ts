import { plural, section } from './text-parts.js';
import type { FolderReport, ImportReport } from './types.js';

/**
 * A folder's error in the import report. A folder cut short after its write session began (a full
 * disk, a journal that could not grow, a stop signal) says what it wrote before: the report of
 * what is on disk never gives way to the error (docs/faults.md).
 */
export function folderErrorLine(user: string, name: string, f: FolderReport): string {
  const where = name === 'INBOX' ? 'INBOX' : `folder ${JSON.stringify(name)}`;
  return begun(f)
    ? `${user}: ${where} incomplete, ${f.written} of ${plural(f.toWrite, 'message')} written: ${f.error}`
    : `${user}: ${where} not imported: ${f.error}`;
}

/** The write session had begun: the counts are what it did. */
export function begun(f: FolderReport): boolean {
  return f.toWrite > 0 || f.written > 0 || f.stopped === true;
}

/** Where a stop signal ended the run and what it did not start; the files besides the mail not written. */
export function cutShortLines(r: ImportReport, shown: number): string[] {
  const s = r.stopped;
  return [
    ...(s
      ? [
          `${r.user}: stopped by request in ${JSON.stringify(s.folder)}; run the same command again to finish`,
          ...section(shown, r.user, s.notStarted, ['folder', 'not started'], (f) => JSON.stringify(f)),
        ]
      : []),
    ...section(shown, r.user, r.bookkeepingErrors ?? [], ['file', 'besides the mail not written'], (e) => e),
  ];
}
