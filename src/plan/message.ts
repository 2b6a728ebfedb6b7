import type { ImapMessageMeta } from '../source/imap.js';
import { maildirFlagsFromImap, maildirPlacement } from '../maildir/flags.js';

/** One message of a folder's plan: where its bytes come from and the file it becomes. */
export interface PlannedMessage {
  /** Where the bytes come from: the IMAP message, or POP3 for a message IMAP could not be tied to. */
  source: 'imap' | 'pop3';
  /** IMAP UID (source imap). */
  uid?: number;
  /** The source POP3 message this is, when known. */
  pop3N?: number;
  uidl?: string;
  /** Evidence that tied the POP3 message to the IMAP one, e.g. "formula %v.%u", or "pop3 itself". */
  matchedBy?: string;
  /** Maildir name up to the ':' (the UIDL when it is kept). */
  name: string;
  dir: 'new' | 'cur';
  file: string;
  mtimeSec: number;
  /** Source flags a Maildir name cannot hold. */
  droppedFlags: string[];
  /** write: not in the Maildir yet; present: already there as planned; reflag: there, but the
   *  source has flags the file lacks, so it is renamed (from `from`) to carry them too. */
  action: 'write' | 'present' | 'reflag' | 'conflict';
  /** reflag: the file as it is now, e.g. new/NAME. */
  from?: string;
  /** conflict: a file we did not write holds this name with other content; why it is left alone. */
  conflict?: string;
  /** Set when POP3 clients will download this message again, and why. */
  downloadAgain?: string;
}

/** A file already in the folder under a planned name. */
export interface ExistingFile {
  dir: 'new' | 'cur';
  file: string;
  mtimeSec: number;
}

/**
 * The part of a planned message every folder shares: source, file name, flags, mtime, action. A
 * message already there keeps its flags and gains those the source has now (a delta run after
 * the cutover); a flag is never taken away, as the user may have set it on the new server.
 */
export function plannedMessage(
  name: string,
  meta: ImapMessageMeta | undefined,
  mtimeSec: number,
  existing: ExistingFile | undefined,
): PlannedMessage {
  const { letters: sourceLetters, dropped } = maildirFlagsFromImap(meta?.flags ?? []);
  // Lower-case letters are Dovecot's keywords (docs/imap-uids.md): kept like flags.
  const kept = existing ? (/:2,([A-Za-z]*)$/.exec(existing.file)?.[1] ?? '') : '';
  const letters = [...new Set([...sourceLetters, ...kept])].sort().join('');
  const placement = maildirPlacement(name, letters);
  const from = existing ? `${existing.dir}/${existing.file}` : undefined;
  return {
    source: meta ? 'imap' : 'pop3',
    ...(meta ? { uid: meta.uid } : {}),
    name,
    ...placement,
    mtimeSec,
    droppedFlags: dropped,
    action: !from ? 'write' : from === `${placement.dir}/${placement.file}` ? 'present' : 'reflag',
    ...(from && from !== `${placement.dir}/${placement.file}` ? { from } : {}),
  };
}

/** Flags a Maildir name cannot hold, with how many messages had each. */
export function countDropped(messages: readonly PlannedMessage[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) for (const f of m.droppedFlags) counts[f] = (counts[f] ?? 0) + 1;
  return counts;
}
