import type { ImapMessageMeta } from '../message-records.js';
import { stableParkedName, stableUniqueName } from '../maildir/unique-name.js';
import { BoxNaming } from './box-naming.js';
import {
  earlierFiles,
  fateOf,
  plannedMessage,
  recordedSec,
  type EarlierFile,
  type FolderFacts,
  type PlannedMessage,
} from './message.js';

/** What one folder's import will do, decided before any body is read. Plain data. */
export interface FolderPlan {
  folder: string;
  uidValidity: string;
  /** Every source message, with its action. */
  messages: PlannedMessage[];
  /** Our earlier files no planned message is (docs/journal.md). */
  earlier: EarlierFile[];
  /** The source renumbered the folder since our last run (UIDVALIDITY from → now). */
  uidValidityChangedFrom?: string;
  /** --max-size, when given: messages above it are planned too-big. */
  maxSize?: number;
  /** Dovecot on the box: `dovecot-keywords` as the planned names need it, written before any of them. */
  dovecotKeywords?: (string | undefined)[];
}

export interface FolderPlanInput {
  folder: string;
  facts: FolderFacts;
  imap: readonly ImapMessageMeta[];
  /** mtimes must be earlier than this: a file dated in the future looks wrong to every reader. */
  beforeSec: number;
  host: string;
  /** --max-size: messages above it are not written. */
  maxSize?: number;
}

/**
 * A folder other than INBOX: no POP3 client sees it, so names are standard unique Maildir names
 * (stable across runs, so a re-run recognises what is there) and mtime is the INTERNALDATE.
 */
export function planFolder(input: FolderPlanInput): FolderPlan {
  const { facts } = input;
  const naming = new BoxNaming(facts.box);
  const messages = [...input.imap]
    .sort((a, b) => a.uid - b.uid)
    .map((meta) => {
      const name = stableUniqueName(meta.internalDateSec, facts.uidValidity, meta.uid, input.host);
      const fate = fateOf({ name, uid: meta.uid, size: meta.size }, facts, input.maxSize);
      const mtimeSec = recordedSec(fate) ?? Math.min(meta.internalDateSec, input.beforeSec - 1);
      return plannedMessage(name, meta, meta.size, mtimeSec, fate, naming);
    });
  return folderPlan(input.folder, facts, messages, naming, input);
}

/** The parts of a plan every folder shares, once its messages are decided. */
export function folderPlan(
  folder: string,
  facts: FolderFacts,
  messages: PlannedMessage[],
  naming: BoxNaming,
  input: { host: string; maxSize?: number },
): FolderPlan {
  const changed = facts.history.uidValidityChangedFrom;
  const keywords = naming.keywordFile();
  return {
    folder,
    uidValidity: facts.uidValidity,
    messages,
    earlier: earlierFiles(messages, facts, (r) => stableParkedName(r, input.host)),
    ...(changed !== undefined ? { uidValidityChangedFrom: changed } : {}),
    ...(input.maxSize !== undefined ? { maxSize: input.maxSize } : {}),
    ...(keywords ? { dovecotKeywords: keywords } : {}),
  };
}
