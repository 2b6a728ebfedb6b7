import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ImapFlow } from 'imapflow';
import { CrlfToLf } from '../maildir/line-endings.js';
import type { Pop3Session } from './pop3-session.js';

/**
 * Content hashes of a message as it would be stored: SHA-256 of its bytes with CRLF line ends
 * made LF. The same message gives the same hash over POP3, over IMAP, and from its Maildir
 * file, so the hash ties a POP3 message to an IMAP one when nothing cheaper did. Both stream. A
 * message without a final line end hashes without one on both sides (the POP3 view is told by
 * its LIST size, pop3-session.ts).
 */
export async function hashPop3Message(session: Pop3Session, n: number, listSize: number): Promise<string> {
  let hash = createHash('sha256');
  await session.readMessage(
    n,
    listSize,
    (content) => void hash.update(content),
    () => (hash = createHash('sha256')),
  );
  return hash.digest('hex');
}

export async function hashImapMessage(client: ImapFlow, uid: number): Promise<string | undefined> {
  const got = await client.download(String(uid), undefined, { uid: true });
  if (!got.content) return undefined;
  const hash = createHash('sha256');
  await pipeline(got.content, new CrlfToLf(), async (lf: AsyncIterable<Buffer>) => {
    for await (const chunk of lf) hash.update(chunk);
  });
  return hash.digest('hex');
}
