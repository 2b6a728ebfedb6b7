import { SourceError, UsageError } from '../errors.js';
import { isClean, type UserReport } from '../report/types.js';

/** Exit codes scripts rely on (man/qmail-import.8, EXIT CODES): the one place that decides them. */
export const EXIT = {
  ok: 0,
  incomplete: 1,
  usage: 2,
  source: 3,
  /** Ctrl-C: 128 + SIGINT, as shells report a process the signal ended. */
  interrupted: 130,
} as const;

export function exitCodeForError(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof SourceError) return EXIT.source;
  // Folder and message errors, and anything unexpected: the run did not finish its job.
  return EXIT.incomplete;
}

/** A dry run's plan is its result: planned is done (the report says what the import would meet). */
export function exitCodeForReport(r: UserReport): number {
  if (r.kind === 'import' && r.dryRun) return EXIT.ok;
  return isClean(r) ? EXIT.ok : EXIT.incomplete;
}
