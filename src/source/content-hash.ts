import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ImapFlow } from 'imapflow';
import { CrlfToLf } from '../maildir/line-endings.js';
import type { Pop3Session } from './pop3-session.js';

/** What a content hash is fed: the message's LF bytes, block by block. */
export interface ContentHasher {
  update(block: Buffer): void;
  digest(): string;
}

/** SHA-256 of the bytes as they are: the hash of the stored file (verify --content). */
function storedBytesHash(): ContentHasher {
  const hash = createHash('sha256');
  return { update: (block) => void hash.update(block), digest: () => hash.digest('hex') };
}

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
  hasher: () => ContentHasher = storedBytesHash,
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
  const got = await client.download(String(uid), undefined, { uid: true });
  if (!got.content) return undefined;
  const hash = hasher();
  await pipeline(got.content, new CrlfToLf(), async (lf: AsyncIterable<Buffer>) => {
    for await (const chunk of lf) hash.update(chunk);
  });
  return hash.digest();
}
