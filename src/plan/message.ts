import type { ImapMessageMeta } from '../source/imap.js';
import { maildirFlagsFromImap, maildirPlacement } from '../maildir/flags.js';

/** One message of a folder's plan: where its bytes come from and the file it becomes. */
export interface PlannedMessage {
  /** Where the bytes come from: the IMAP message, or POP3 RETR for a message IMAP could not be tied to. */
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
  /** write: not in the Maildir yet; present: a file of that name is already there. */
  action: 'write' | 'present';
  /** Set when POP3 clients will download this message again, and why. */
  downloadAgain?: string;
}

/** The part of a planned message every folder shares: source, file name, flags, mtime, action. */
export function plannedMessage(name: string, meta: ImapMessageMeta | undefined, mtimeSec: number, present: boolean): PlannedMessage {
  const { letters, dropped } = maildirFlagsFromImap(meta?.flags ?? []);
  return {
    source: meta ? 'imap' : 'pop3',
    ...(meta ? { uid: meta.uid } : {}),
    name,
    ...maildirPlacement(name, letters),
    mtimeSec,
    droppedFlags: dropped,
    action: present ? 'present' : 'write',
  };
}

/** Flags a Maildir name cannot hold, with how many messages had each. */
export function countDropped(messages: readonly PlannedMessage[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) for (const f of m.droppedFlags) counts[f] = (counts[f] ?? 0) + 1;
  return counts;
}
