import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import { fsCall, type ErrorContext } from '../errors.js';

/** What a message's LF bytes are fed to, block by block: SHA-256 of them, or a key made from them. */
export interface ContentHasher {
  update(block: Buffer): void;
  digest(): string;
}

/** SHA-256 of the bytes as they are, in hex. */
export function sha256Hasher(): ContentHasher {
  const hash: Hash = createHash('sha256');
  return { update: (block) => void hash.update(block), digest: () => hash.digest('hex') };
}

/** SHA-256 of a stored message file (or what `hash` makes of its bytes): the same as
 *  source/content-hash.ts gives for its source. */
export async function hashFile(file: string, hash: ContentHasher = sha256Hasher()): Promise<string> {
  // No link followed, and a FIFO planted in a Maildir neither blocks the open nor is read.
  const handle = await fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile())
      throw Object.assign(new Error(`${file} is not a regular file`), { code: 'EINVAL' });
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest();
  } finally {
    await handle.close();
  }
}

/** hashFile for a file of ours in a folder; undefined when it is gone (a POP3 client deleted it meanwhile). */
export function hashOurFile(
  file: string,
  context: ErrorContext,
  hash: ContentHasher = sha256Hasher(),
): Promise<string | undefined> {
  return fsCall(() => hashFile(file, hash), 'read', file, context, { expected: { ENOENT: undefined } });
}
