import type { FolderPlan } from '../plan/folder.js';
import type { FolderFacts } from '../plan/message.js';
import type { Progress } from '../report/progress.js';
import type { Pop3Report } from '../report/types.js';
import type { FolderOutcome } from './folder-outcome.js';
import type { FolderWriteSession } from './folder-session.js';

/**
 * What a folder needs besides its IMAP snapshot and its files to be planned, and the copying only
 * that evidence can do while it is open. Every folder has the same pipeline (folder-import.ts); the
 * INBOX's evidence is one POP3 session (inbox-evidence.ts), which decides names and order by UIDL.
 */
export interface FolderEvidence {
  plan(facts: FolderFacts): FolderPlan;
  /** Messages only this evidence has (the INBOX's POP3-only ones), copied while it is open. */
  copy(session: FolderWriteSession, progress: Progress): Promise<void>;
  /** The report's POP3 section (the INBOX only). `done`: the write session finished, so the
   *  written files can be checked against the listing. */
  pop3Report(outcome: FolderOutcome | undefined, done: boolean): Pop3Report | undefined;
}

/** Runs `work` with the folder's evidence open; it is closed when `work` ends. */
export type WithEvidence = <T>(work: (evidence: FolderEvidence) => Promise<T>) => Promise<T>;

/** A folder other than the INBOX needs no evidence but its snapshot: `plan` is all. */
export function snapshotOnly(plan: (facts: FolderFacts) => FolderPlan): WithEvidence {
  return (work) => work({ plan, copy: async () => {}, pop3Report: () => undefined });
}
