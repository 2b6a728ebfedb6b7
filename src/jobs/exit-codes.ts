import { ImportRunning, SourceError, UsageError } from '../errors.js';
import { isClean, type UserReport } from '../report/types.js';

/** Exit codes scripts rely on (man/qmail-import.8, EXIT CODES): the one place that decides them. */
export const EXIT = {
  ok: 0,
  incomplete: 1,
  usage: 2,
  source: 3,
  /** verify met an import holding the Maildir and compared nothing: run it again when the import is
   *  done (EX_TEMPFAIL of sysexits.h, "try again later"). */
  importRunning: 75,
} as const;

/**
 * The signals that stop a run the way Ctrl-C does (Ctrl-C, the terminal closing, a service
 * manager or `kill`), each with its exit code: 128 + the signal's number, as shells report a
 * process the signal ended.
 */
export const STOP_SIGNALS = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

/** The closing word of a one-user run a signal stopped. */
export function interruptedText(signal: StopSignal): string {
  return `interrupted (${signal}): stopped; messages already in the Maildir are complete, run the same command again to finish`;
}

/**
 * Takes the stop signals while a command can stop at a safe point: the first one calls `first`,
 * a second one ends the process at once with its code. Returns what removes the handlers.
 */
export function onStopSignals(first: (signal: StopSignal) => void): () => void {
  let taken = false;
  const handlers = Object.keys(STOP_SIGNALS).map((name) => {
    const signal = name as StopSignal;
    const handler = () => {
      if (taken) process.exit(STOP_SIGNALS[signal]);
      taken = true;
      // After a hangup the terminal is gone: writing to it fails, and must not end the run before
      // its summary is written.
      for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
      first(signal);
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => handlers.forEach((off) => off());
}

export function exitCodeForError(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof SourceError) return EXIT.source;
  if (err instanceof ImportRunning) return EXIT.importRunning;
  // Folder and message errors, and anything unexpected: the run did not finish its job.
  return EXIT.incomplete;
}

/** A dry run's plan is its result: planned is done (the report says what the import would meet). */
export function exitCodeForReport(r: UserReport): number {
  if (r.kind === 'import' && r.dryRun) return EXIT.ok;
  return isClean(r) ? EXIT.ok : EXIT.incomplete;
}
