import { createHash } from 'node:crypto';

/**
 * Headers that servers add, rewrite or drop per access protocol, so they differ between POP3 TOP
 * and IMAP BODY[HEADER] of the same message (the list of Dovecot's pop3-migration plugin).
 */
const VOLATILE = new Set([
  'status',
  'x-status',
  'x-uid',
  'x-uidl',
  'x-imap',
  'x-imapbase',
  'x-keywords',
  'content-length',
  'return-path',
  'x-message-flag',
  'x-yahoo-newman-property',
]);

/** A header field a server adds, rewrites or drops per access protocol (`name` without the colon). */
export function isVolatileField(name: string): boolean {
  return VOLATILE.has(name.trim().toLowerCase());
}

const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * SHA-256 of a message's header block, normalised so POP3 and IMAP agree: CRs dropped, volatile
 * headers and lines with an invalid field name left out, ending at the first empty line. A
 * message without a header/body separator is hashed whole, the same on both sides.
 */
export function headerHash(message: Buffer): string {
  const text = message.toString('latin1').replaceAll('\r', '');
  const end = text.indexOf('\n\n');
  const block = end < 0 ? text : text.slice(0, end + 1);
  const hash = createHash('sha256');
  let keep = false;
  for (const line of block.split('\n')) {
    if (line === '') continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (keep) hash.update(`${line}\n`);
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trimEnd() : '';
    keep = FIELD_NAME.test(name) && !isVolatileField(name);
    if (keep) hash.update(`${line}\n`);
  }
  return hash.digest('hex');
}
