import type { ImapMessageMeta } from '../message-records.js';
import { infoLetters, maildirFlagsFromImap, maildirPlacement } from '../maildir/flags.js';
import { historyKey, recordIdentifies, type FolderHistory, type JournalEntry } from '../journal-records.js';
import type { ExistingFile } from '../maildir/scan.js';
import type { BoxFolder, BoxNaming } from './box-naming.js';
import { repairOf, type Repair } from './repair.js';
import { restores, type FolderRestore } from './restore.js';

/** One message of a folder's plan: where its bytes come from and the file it becomes. */
export interface PlannedMessage {
  /** Where the bytes come from: the IMAP message, or POP3 for a message IMAP could not be tied to. */
  source: 'imap' | 'pop3';
  /** IMAP UID (source imap). */
  uid?: number;
  /** The source POP3 message this is, when known. */
  pop3N?: number;
  uidl?: string;
  /** The size the source announced (RFC822.SIZE, or POP3 LIST for a message only POP3 has). */
  size: number;
  /** Evidence that tied the POP3 message to the IMAP one, e.g. "formula %v.%u", or "pop3 itself". */
  matchedBy?: string;
  /** Maildir name up to the ':' (the UIDL when it is kept). */
  name: string;
  dir: 'new' | 'cur';
  file: string;
  mtimeSec: number;
  /** Source flags and keywords no name can hold on this box (keywords past Dovecot's 26 letters, or
   *  every keyword where no Dovecot serves the folder). */
  droppedFlags: readonly string[];
  /**
   * write: not in the Maildir yet; present: already there as planned; reflag: there, but the
   * source has flags the file lacks, so it is renamed (from `from`) to carry them too; conflict: a
   * file we did not write holds the name with other content, left alone; deleted-here: we wrote it
   * before and it was deleted on this side since, so it is not brought back; too-big: to write,
   * but above --max-size, so not written (a run without the limit writes it); rewrite: there,
   * but the source now announces another size under the same UIDVALIDITY and UID (a server that
   * keeps flags in the message), or the file is no longer what we wrote (`repair`), so the file is
   * replaced by the source's bytes, keeping its name, place and flags (docs/journal.md).
   */
  action: 'write' | 'present' | 'reflag' | 'rewrite' | 'conflict' | 'deleted-here' | 'too-big';
  /** reflag, rewrite: the file as it is now, e.g. new/NAME. */
  from?: string;
  /** rewrite: the size the source announced when the file was written. */
  sizeWas?: number;
  /** rewrite: the file is no longer what we wrote (src/plan/repair.ts): why. */
  repair?: string;
  /** write: deleted here since we wrote it, brought back because --restore asked (src/plan/restore.ts). */
  restored?: true;
  /** conflict: why the file holding this name is left alone. */
  conflict?: string;
  /** Set when POP3 clients will download this message again, and why. */
  downloadAgain?: string;
  /** present/reflag: the file is this message but the journal has no line for it (a run that
   *  stopped before its journal lines were written); too-big: the journal has no line of its skip
   *  yet. The write session records it. */
  unrecorded?: boolean;
}

/** A file we wrote earlier that no planned message is: renamed when an incoming message has its
 *  bytes (the source renumbered), else gone from the source. */
export interface EarlierFile {
  dir: 'new' | 'cur';
  file: string;
  record: JournalEntry;
  /** Its name is wanted by a message to write: it moves out of the way to this name first. */
  parkAs?: string;
  /** It may be a message held back by --max-size, which is never read, so nothing can claim it
   *  by content: neither gone from the source nor removed by --delete. */
  heldBack?: true;
}

/** What a folder holds now, as the planners take it. */
export interface FolderFacts {
  uidValidity: string;
  /** Files in the folder, by name up to ':'. */
  existing: ReadonlyMap<string, ExistingFile>;
  history: FolderHistory;
  /** UIDs whose message the source changed in place, under this UIDVALIDITY: their files are
   *  rewritten (src/import/changed-in-place.ts). */
  changedInPlace?: ReadonlySet<number>;
  /** INBOX only: CRLF sizes of files we did not write that hold an incoming UIDL's name. Other
   *  folders' names carry UIDVALIDITY and UID, so a file with such a name is that message. */
  foreignCrlfSize?: ReadonlyMap<string, number>;
  /** The box's IMAP server, whose rules the names follow; absent: none. */
  box?: BoxFolder;
  /** --restore: the messages deleted here to bring back. */
  restore?: FolderRestore;
}

/** What becomes of one incoming message, decided from the folder's facts alone. */
export type Fate =
  | { kind: 'new'; restored?: { mtimeSec?: number } }
  | { kind: 'there'; file: ExistingFile; recorded?: boolean; sizeWas?: number; repair?: Repair }
  | { kind: 'deleted-here' }
  | { kind: 'too-big'; recorded: boolean }
  | { kind: 'conflict'; file: ExistingFile; why: string };

/** The fate of most messages of a first import, shared: a plan holds one fate per message. */
const NEW: Fate = Object.freeze({ kind: 'new' });

/** `maxSize`: --max-size, checked against the size the source announced, before any byte is read. */
export function fateOf(
  m: { name: string; uid?: number; uidl?: string; size: number },
  facts: FolderFacts,
  maxSize = Infinity,
): Fate {
  const file = facts.existing.get(m.name);
  const record = facts.history.recordOf.get(m.name);
  // A record that lacks the UID IMAP now gives the message gets a line that has it.
  if (file && record && recordIdentifies(record, m, facts.uidValidity, facts.changedInPlace)) {
    const resized = record.size !== undefined && record.size !== m.size ? { sizeWas: record.size } : {};
    // A file the source changed is rewritten anyway; any other that is not as written is repaired.
    const repair = resized.sizeWas === undefined ? repairOf(file, record) : undefined;
    const recorded = m.uid === undefined || record.uid !== undefined;
    return { kind: 'there', file, recorded, ...resized, ...(repair ? { repair } : {}) };
  }
  const deleted = facts.history.deletedHere.get(historyKey(m));
  if (deleted && !restores(facts.restore ?? [], m)) return { kind: 'deleted-here' };
  // Only a message still to write is held back: one already here stays, whatever its size.
  const tooBig =
    m.size > maxSize ? { kind: 'too-big' as const, recorded: facts.history.skipped.has(historyKey(m)) } : undefined;
  // Our own earlier file under this name is another message: it moves aside (EarlierFile.parkAs).
  // One deleted here and brought back keeps the mtime it was written with (its place in the order).
  if (!file || record)
    return tooBig ?? (deleted ? { kind: 'new', restored: { mtimeSec: deleted.stored?.mtimeSec } } : NEW);
  const crlf = facts.foreignCrlfSize?.get(m.name);
  if (crlf === undefined || crlf === m.size) return { kind: 'there', file };
  return {
    kind: 'conflict',
    file,
    why: `another file named ${m.name} is already there (${crlf} bytes with CRLF, the source's message ${m.size}); left as it is`,
  };
}

/** What POP3 adds to an INBOX message: which listed message it is, how it was tied, why its UIDL is not kept. */
export interface Pop3Side {
  pop3N?: number;
  uidl?: string;
  matchedBy?: string;
  downloadAgain?: string;
}

/** A flag list with nothing dropped, shared: most messages have none (a plan holds every message). */
const NONE_DROPPED: readonly string[] = Object.freeze([]);

/**
 * The part of a planned message every folder shares: source, file name, flags, mtime, action. The
 * name is final: the box's rules (`naming`) are in it. A message already there keeps its flags and
 * its place and gains those the source has now (a delta run after the cutover); a flag is never
 * taken away, as the user may have set it on the new server, and a file an IMAP client moved to
 * cur/ never goes back to new/. Every message is one object of one shape, fields it lacks
 * undefined: a plan of 100,000 messages holds them all until its folder is done.
 */
export function plannedMessage(
  name: string,
  meta: ImapMessageMeta | undefined,
  size: number,
  mtimeSec: number,
  fate: Fate,
  naming: BoxNaming,
  pop3: Pop3Side = {},
): PlannedMessage {
  const { letters: systemLetters, dropped } = maildirFlagsFromImap(meta?.flags ?? []);
  // $Forwarded is the letter P too, which neither Dovecot nor Courier shows: a keyword all the same.
  const keywords = naming.keywordLetters((meta?.flags ?? []).filter((f) => !f.startsWith('\\')));
  // Lower-case letters are Dovecot's keywords (docs/imap-uids.md): kept like flags.
  const kept = fate.kind === 'there' ? infoLetters(fate.file.file) : '';
  const letters = [...new Set([...systemLetters, ...keywords.letters, ...kept])].sort().join('');
  const inCur = naming.allInCur || (fate.kind === 'there' && fate.file.dir === 'cur');
  const placement = maildirPlacement(name, letters, inCur);
  const droppedFlags = dropped.filter((f) => f.startsWith('\\') || keywords.overflow.includes(f));
  const there = fate.kind === 'there' || fate.kind === 'conflict' ? fate.file : undefined;
  const from = there && `${there.dir}/${there.file}`;
  const m: PlannedMessage = {
    source: meta ? 'imap' : 'pop3',
    uid: meta?.uid,
    pop3N: pop3.pop3N,
    uidl: pop3.uidl,
    size,
    matchedBy: pop3.matchedBy,
    name,
    dir: placement.dir,
    file: placement.file,
    mtimeSec,
    droppedFlags: droppedFlags.length > 0 ? droppedFlags : NONE_DROPPED,
    action: 'write',
    from: undefined,
    sizeWas: undefined,
    repair: undefined,
    restored: undefined,
    conflict: undefined,
    downloadAgain: pop3.downloadAgain,
    unrecorded: undefined,
  };
  if (fate.kind === 'new') m.restored = fate.restored ? true : undefined;
  else if (fate.kind === 'deleted-here') m.action = 'deleted-here';
  else if (fate.kind === 'too-big') {
    m.action = 'too-big';
    m.unrecorded = fate.recorded ? undefined : true;
  } else if (fate.kind === 'conflict') {
    Object.assign(m, { dir: fate.file.dir, file: fate.file.file, action: 'conflict', conflict: fate.why });
  } else if (fate.sizeWas !== undefined || fate.repair) {
    Object.assign(m, { action: 'rewrite', from, sizeWas: fate.sizeWas, repair: fate.repair?.why });
  } else {
    const moved = from !== `${placement.dir}/${placement.file}`;
    Object.assign(m, { action: moved ? 'reflag' : 'present', from: moved ? from : undefined });
    m.unrecorded = fate.recorded ? undefined : true;
  }
  return m;
}

/** The mtime a file put back had when we wrote it (a repair, a restore), where the journal has it. */
export function recordedSec(fate: Fate): number | undefined {
  if (fate.kind === 'there') return fate.repair?.mtimeSec;
  return fate.kind === 'new' ? fate.restored?.mtimeSec : undefined;
}

/**
 * Our earlier files that no planned message is, each once (copies are messages too). Those whose
 * name a message to write needs are moved aside first, to a name made from their journal record.
 */
export function earlierFiles(
  messages: readonly PlannedMessage[],
  facts: FolderFacts,
  parkedName: (r: JournalEntry) => string,
): EarlierFile[] {
  // A first import has no earlier files: no sets of every message's name for nothing.
  if (facts.history.recordOf.size === 0) return [];
  const claimed = new Set(
    messages.filter((m) => ['present', 'reflag', 'rewrite'].includes(m.action)).map((m) => m.name),
  );
  const wanted = new Set(messages.filter((m) => m.action === 'write').map((m) => m.name));
  const heldBack = new Set(messages.filter((m) => m.action === 'too-big').map((m) => m.size));
  const out: EarlierFile[] = [];
  for (const [name, record] of facts.history.recordOf) {
    const file = facts.existing.get(name);
    if (!file || claimed.has(name)) continue;
    out.push({
      dir: file.dir,
      file: file.file,
      record,
      ...(wanted.has(name) ? { parkAs: parkedName(record) } : {}),
      ...(heldBack.has(record.size ?? -1) ? { heldBack: true as const } : {}),
    });
  }
  return out;
}

/** Flags a Maildir name cannot hold, with how many messages had each. */
export function countDropped(messages: readonly PlannedMessage[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) for (const f of m.droppedFlags) counts[f] = (counts[f] ?? 0) + 1;
  return counts;
}
