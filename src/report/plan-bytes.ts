import type { PlannedMessage } from '../plan/message.js';

/**
 * Bytes a folder's plan will copy: the source's sizes (RFC822.SIZE for IMAP, LIST for POP3, both
 * with CRLF line ends, so a little more than what lands on disk) of the messages it writes.
 */
export function bytesToWrite(
  planned: readonly PlannedMessage[],
  imap: readonly { uid: number; size: number }[],
  pop3: readonly { n: number; size: number }[] = [],
): number {
  const byUid = new Map(imap.map((m) => [m.uid, m.size]));
  const byN = new Map(pop3.map((m) => [m.n, m.size]));
  let bytes = 0;
  for (const m of planned) {
    if (m.action !== 'write') continue;
    bytes +=
      (m.uid !== undefined ? byUid.get(m.uid) : undefined) ?? (m.pop3N !== undefined ? byN.get(m.pop3N) : 0) ?? 0;
  }
  return bytes;
}
