import { FolderError, MessageError, SourceError, UsageError } from '../errors.js';
import { isClean, type UserReport } from '../report/types.js';

/** Exit codes scripts rely on (design.md): the one place that decides them. */
export const EXIT = {
  ok: 0,
  incomplete: 1,
  usage: 2,
  source: 3,
} as const;

export function exitCodeForError(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof SourceError) return EXIT.source;
  if (err instanceof FolderError || err instanceof MessageError) return EXIT.incomplete;
  return EXIT.incomplete;
}

export function exitCodeForReport(r: UserReport): number {
  return isClean(r) ? EXIT.ok : EXIT.incomplete;
}
