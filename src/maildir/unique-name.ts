import { createHash } from 'node:crypto';

/**
 * A Maildir "time.unique.host" name that is the same on every run for the same source message,
 * so a re-run recognises what it already wrote. The host part escapes "/" and ":" as the Maildir
 * spec asks (\057, \072).
 */
export function stableUniqueName(timeSec: number, uidValidity: string, uid: number, host: string): string {
  return `${timeSec}.V${uidValidity}U${uid}.${escapeHost(host)}`;
}

/**
 * The same for a message known only by its POP3 UIDL (fetched over POP3, UIDL unrepresentable or
 * shared): derived from the UIDL and which of the messages sharing it this is, so every run gives
 * it the same name. Its time part is 0: there is no date.
 */
export function stablePop3Name(uidl: string, occurrence: number, host: string): string {
  const copy = occurrence > 0 ? `N${occurrence}` : '';
  return `0.P${md5Hex(uidl)}${copy}.${escapeHost(host)}`;
}

/**
 * Where an earlier file of ours goes when the name it has is wanted by another message (a source
 * that renumbered handed its UIDL on): derived from its journal record, so a re-run after a crash
 * picks the same name, and never a name a message of today's numbering would get.
 */
export function stableParkedName(record: { uidValidity: string; uid?: number; uidl?: string }, host: string): string {
  const id = record.uid !== undefined ? `U${record.uid}` : `P${md5Hex(record.uidl ?? '')}`;
  return `0.X${record.uidValidity}${id}.${escapeHost(host)}`;
}

function md5Hex(text: string): string {
  return createHash('md5').update(text, 'latin1').digest('hex');
}

let sequence = 0;

/** Marks our tmp/ files, so a later run (holding the Maildir lock) can clear what a killed one left. */
export const TMP_MARKER = '_qmail-import';

/** A fresh tmp/ name, unique across processes and within one (qmail's time.MusecPpid style). */
export function tmpName(host: string, now: Date = new Date()): string {
  sequence += 1;
  const sec = Math.floor(now.getTime() / 1000);
  const usec = (now.getTime() % 1000) * 1000;
  return `${sec}.M${usec}P${process.pid}Q${sequence}${TMP_MARKER}.${escapeHost(host)}`;
}

function escapeHost(host: string): string {
  return host.replaceAll('/', '\\057').replaceAll(':', '\\072');
}
