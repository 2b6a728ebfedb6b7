import { pipeline } from 'node:stream/promises';
import type { ImapFlow } from 'imapflow';
import { sha256Hasher, type ContentHasher } from '../maildir/hash-file.js';
import { CrlfToLf } from '../maildir/line-endings.js';
import type { Pop3Session } from './pop3-session.js';
import { downloadWhole } from './imap-link.js';

/**
 * Content hashes of a message as it would be stored: SHA-256 of its bytes with CRLF line ends
 * made LF (or what `hasher` makes of them: matching leaves out headers servers add per protocol,
 * uidl/content-key.ts). The same message gives the same hash over POP3, over IMAP, and from its
 * Maildir file, so the hash ties a POP3 message to an IMAP one when nothing cheaper did. Both
 * stream. A message without a final line end hashes without one on both sides (the POP3 view is
 * told by its LIST size, pop3-session.ts).
 */
export async function hashPop3Message(
  session: Pop3Session,
  n: number,
  listSize: number,
  hasher: () => ContentHasher = sha256Hasher,
): Promise<string> {
  let hash = hasher();
  await session.readMessage(
    n,
    listSize,
    (content) => hash.update(content),
    () => (hash = hasher()),
  );
  return hash.digest();
}

export async function hashImapMessage(
  client: ImapFlow,
  uid: number,
  hasher: () => ContentHasher,
): Promise<string | undefined> {
  const got = await downloadWhole(client, uid);
  if (!got.content) return undefined;
  const hash = hasher();
  await pipeline(got.content, new CrlfToLf(), async (lf: AsyncIterable<Buffer>) => {
    for await (const chunk of lf) hash.update(chunk);
  });
  return hash.digest();
}
