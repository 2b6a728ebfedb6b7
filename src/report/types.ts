import type { ImapServer } from '../maildir/imap-server.js';
import type { ImapUidOutcome } from '../maildir/imap-uid-state.js';
import type { QuotaUse } from '../maildir/quota.js';
import type { FolderPlan } from '../plan/folder.js';
import type { UidlMode } from '../uidl/mode.js';
import type { UnmatchedPop3 } from '../uidl/match.js';
import type { ListingDiff } from '../verify/compare.js';
import type { FolderCheck } from '../verify/folders.js';
import type { ImapUidCheck } from '../verify/imap-uids.js';
import type { SinceCounts, SinceImport } from '../verify/since-import.js';

/** Time and memory one user's job took: peak RSS of the process that did the work, so far (a
 *  batch worker's figure covers the accounts it served before too). */
interface Resources {
  seconds: number;
  peakRssMiB: number;
}

/** What the journal told about a folder, and what was done with it. */
export interface HistoryReport {
  /** The source renumbered the folder since our last run (UIDVALIDITY from → now). */
  uidValidityChangedFrom?: string;
  /** Messages the source renumbered whose earlier file was renamed, not copied again. */
  movedByContent: number;
  /** Messages imported before and deleted on this side since: not brought back (--restore names them). */
  keptDeleted: MessageId[];
  /** Files imported earlier whose message the source no longer has. */
  goneFromSource: string[];
  /** --delete: those files were removed. */
  goneDeleted: boolean;
}

/** A message of a folder: its source UID, and its UIDL where it has one. */
export interface MessageId {
  uid?: number;
  uidl?: string;
}

/** A file of ours found changed since the import wrote it (size, mtime): fetched again, name and place kept. */
export interface Repaired extends MessageId {
  why: string;
}

/** A message the source changed under the same UIDVALIDITY and UID (a server that keeps flags in
 *  the message): the size it announced when written, and now. Its file is rewritten with the new
 *  bytes, name, place and flags kept (docs/journal.md). */
export interface ChangedAtSource {
  uid?: number;
  uidl?: string;
  sizeWas: number;
  size: number;
}

/** A message above --max-size, not written: its source UID (IMAP), UIDL (INBOX) and announced size. */
export interface OverMaxSize {
  uid?: number;
  uidl?: string;
  size: number;
}

/** The Maildir++ quota (maildirsize) after the import; a limit is null where the quota sets none. */
export interface QuotaReport extends QuotaUse {
  /** Usage is above a limit: the box refuses this user's mail until some is deleted. */
  over: boolean;
}

/** What one user's import did (or, with --dry-run, would do). Plain data: printed as JSON as is. */
export interface ImportReport {
  kind: 'import';
  user: string;
  maildir: string;
  dryRun: boolean;
  /** The INBOX, with its POP3 section. */
  inbox: FolderReport & Required<Pick<FolderReport, 'pop3'>>;
  /** The box's IMAP server whose UID lists were written, and how it was chosen. */
  imapServer?: { server: ImapServer; because: string };
  /** Folders other than INBOX, in the source's order. */
  folders: FolderReport[];
  /** Messages and bytes this run wrote, every folder together (a batch's summary adds them up). */
  written?: { messages: number; bytes: number };
  /** --max-size: the limit, and the messages above it (every folder together), not written. */
  overMaxSize?: { limitBytes: number; messages: number; bytes: number };
  /** The Maildir has a quota: usage after the import (a dry run: after the planned writes). */
  quota?: QuotaReport;
  resources?: Resources;
  /** A stop signal ended the run in `folder` (at a safe point); the folders after it were not started. */
  stopped?: { folder: string; notStarted: string[] };
  /** --restore FOLDER:UID values naming no folder this run read. */
  restoreNoFolder?: string[];
  /** Files besides the messages that could not be written (the marks, the subscriptions): each
   *  error names its file; the counts above are still what is on disk. */
  bookkeepingErrors?: string[];
}

/** The INBOX's POP3 section: what the source's POP3 listing held, and how its UIDLs were kept. */
export interface Pop3Report {
  uidlMode: UidlMode;
  /** The UIDL formula that explained the source's UIDLs, if any. */
  formula?: string;
  /** Messages in the source's POP3 listing. */
  pop3Messages: number;
  /** Messages whose file name reproduces their source UIDL. */
  uidlsKept: number;
  /** How many kept UIDLs each strategy matched, e.g. { "formula %v.%u": 190, "header hash": 10 }. */
  matchedBy: Record<string, number>;
  /** Source messages whose UIDL another source message has too (only the first keeps it). */
  sharedUidls: number;
  /** Imported, but POP3 clients will download them again. */
  downloadAgain: { uid?: number; uidl?: string; reason: string }[];
  /** Source POP3 messages not imported: no IMAP message was found for them. */
  unmatchedPop3: UnmatchedPop3[];
  /** Files we did not write that hold an incoming UIDL's name with other content: left alone. */
  conflicts: string[];
  /** Imported with their UIDL, but with no free second in the source's order among the messages here. */
  outOfOrder: string[];
  /** Messages read over POP3 with RETR (TOP disagreed with LIST, or too big to check first), each followed by RSET. */
  readWithRetr: number;
  /** Files named by a UIDL whose CRLF size is not the source's POP3 LIST size for it. */
  sizeMismatches?: string[];
}

/** A folder's numbers as the report prints them: decided by the plan, done by the write session
 *  (src/import/folder-counts.ts). Each message is counted once. */
export interface FolderCounts {
  /** Messages the plan writes, and the bytes the source announced for them (CRLF: a little more
   *  than lands on disk). */
  toWrite: number;
  bytesToWrite: number;
  /** Of those, linked as new files, and their stored bytes. */
  written: number;
  writtenBytes: number;
  /** Already there as planned, there with flags to add, or changed at the source (below). */
  alreadyPresent: number;
  /** Of those, messages the source changed under their UID: rewritten. */
  changedAtSource?: ChangedAtSource[];
  /** Of those, messages whose file was no longer what the import wrote: fetched again (src/plan/repair.ts). */
  repaired?: Repaired[];
  /** Of those to write, messages deleted here that --restore brought back. */
  restored?: MessageId[];
  /** Messages already there that gained flags the source set since the last run. */
  reflagged: number;
  /** One line per message that could not be written. */
  errors: string[];
  /** One line per message written whose NUL bytes, if the source has any, may be 0x80 here. */
  notExact?: string[];
  history?: HistoryReport;
  /** Messages above --max-size: not written, reported; a run without it copies them. */
  overMaxSize: OverMaxSize[];
}

/** One folder's import, the INBOX's too. */
export interface FolderReport extends FolderCounts {
  /** The source's name, unicode. */
  name: string;
  /** The Maildir++ directory, e.g. ".Archive.2019" (none for the INBOX: the Maildir itself). */
  dir?: string;
  /** Set when a "." in the name had to become "_": the name as the source had it. */
  renamedFrom?: string;
  /** --dry-run: the folder's plan, every message with its final name. */
  plan?: FolderPlan;
  /** The source's UIDVALIDITY when this run read the folder. */
  uidValidity?: string;
  imapMessages: number;
  /** How the source's messages were listed: only what changed since the snapshot the last run kept
   *  (UIDs from its UIDNEXT on, flags changed since its HIGHESTMODSEQ), or every message. */
  read?: 'changes' | 'full';
  /** Flags a Maildir name cannot hold, with how many messages had each. */
  droppedFlags: Record<string, number>;
  /** The box's IMAP server's UID list for the folder (docs/imap-uids.md). */
  imapUids?: ImapUidOutcome;
  /** Why the folder was not imported, or not completely (the counts say what was written before). */
  error?: string;
  /** The error is a stop signal's: the run ended here. */
  stopped?: true;
  /** Not read this run: STATUS matched what the last complete, clean run saw. */
  unchanged?: boolean;
  /** Why the folder was left out on purpose (not the user's own namespace). */
  skipped?: string;
  /** The INBOX: its POP3 listing and UIDLs. */
  pop3?: Pop3Report;
  /** --restore values for this folder (a UIDL, FOLDER:UID) that nothing deleted here answers: a typo? */
  restoreUnmatched?: string[];
}

/** What verify found for one user. */
export interface VerifyReport {
  kind: 'verify';
  user: string;
  maildir: string;
  /** "qmail-pop3d PATH" when it was run; "model" when its rules were applied without it. */
  listedBy: string;
  sourceMessages: number;
  localMessages: number;
  /** The exact comparison (--strict, or no journal to tell normal life by). */
  strict: boolean;
  /** Real problems only; without --strict, what normal life explains is in sinceImport instead. */
  diff: ListingDiff;
  sinceImport?: SinceImportReport;
  /** Every compared folder, INBOX included, as an IMAP client on the box will see it. */
  folders: FolderCheck[];
  /** The box's IMAP server run on the Maildir: UIDVALIDITY, UIDs and flags against the source's. */
  imapUids?: ImapUidCheck;
  /** Messages whose bytes were compared with the source's (--content). */
  contentChecked: number;
  /** UIDLs of compared messages whose bytes differ from the source's. */
  contentDiffers: string[];
  /** UIDLs of listed messages sharing an mtime second: qmail-pop3d may number them either way. */
  equalMtimes: string[][];
  /** Files qmail-pop3d does not list yet because their mtime is not in the past. */
  futureMtimes: string[];
  /** Files in new/ or cur/ with the wrong owner or a mode more open than 0600. */
  badPermissions: { file: string; uid: number; mode: string }[];
  resources?: Resources;
}

/** Normal life since the import, for the whole account: counts, and the INBOX's UIDLs. */
export interface SinceImportReport extends SinceCounts {
  inbox: SinceImport;
}

/** What `check` found for one account: logins work, and what the source holds. */
export interface CheckReport {
  kind: 'check';
  user: string;
  maildir: string;
  /** The import needs --create where this is false. */
  maildirExists: boolean;
  /** Every selectable IMAP folder with its message count (STATUS). */
  folders: { name: string; messages: number }[];
  /** POP3 STAT: the INBOX as POP3 clients see it (sizes with CRLF). */
  pop3: { messages: number; bytes: number };
  /** What would make the import fail here: a Maildir directory its owner may not write, a link. */
  problems: string[];
  /** The Maildir's quota (maildirsize) as it stands, where it sets one. */
  quota?: QuotaReport;
  /** The box's IMAP server the import would write UID lists for, and how that was found. */
  imapServer: { server: ImapServer; because: string };
  resources?: Resources;
}

export type UserReport = ImportReport | VerifyReport | CheckReport;

/** Strict: count and flags as the source has them. Otherwise the count that normal life explains;
 *  flags are left out, as users read and flag their mail after the cutover. */
export function folderDiffers(f: FolderCheck): boolean {
  if (f.error !== undefined) return true;
  if (f.sinceImport) return f.localMessages !== f.sinceImport.expectedLocal;
  return f.localMessages !== f.sourceMessages || Object.keys(f.flagDiffs).length > 0;
}

/** A folder imported completely, with nothing to report; the INBOX with every UIDL kept too. */
export function folderClean(f: FolderReport): boolean {
  return f.error === undefined && f.errors.length === 0 && !modseqFailed(f.imapUids) && (!f.pop3 || pop3Clean(f.pop3));
}

/** doveadm failed to raise the folder's HIGHESTMODSEQ: the run must do it again (docs/imap-uids.md). */
function modseqFailed(uids: ImapUidOutcome | undefined): boolean {
  return uids?.modseq !== undefined && 'error' in uids.modseq;
}

function pop3Clean(p: Pop3Report): boolean {
  return [p.sizeMismatches ?? [], p.conflicts, p.outOfOrder, p.downloadAgain, p.unmatchedPop3].every(
    (l) => l.length === 0,
  );
}

/** Whether the user's result is complete and consistent (exit 0) or needs attention (exit 1). */
export function isClean(r: UserReport): boolean {
  if (r.kind === 'check') return r.problems.length === 0;
  if (r.kind === 'import')
    return (
      folderClean(r.inbox) && r.folders.every(folderClean) && !r.stopped && (r.bookkeepingErrors ?? []).length === 0
    );
  const d = r.diff;
  const problems = [
    d.sharedUidl,
    d.missing,
    d.extra,
    d.reordered,
    d.sizeDiffers,
    r.contentDiffers,
    r.equalMtimes,
    r.futureMtimes,
    r.badPermissions,
    r.folders.filter(folderDiffers),
    r.imapUids?.differences ?? [],
  ];
  return problems.every((p) => p.length === 0);
}
