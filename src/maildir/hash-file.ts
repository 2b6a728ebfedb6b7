import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import { fsCall, type ErrorContext } from '../errors.js';

/** SHA-256 of a stored message file: the same as source/content-hash.ts gives for its source. */
export async function hashFile(file: string): Promise<string> {
  // No link followed, and a FIFO planted in a Maildir neither blocks the open nor is read.
  const handle = await fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile())
      throw Object.assign(new Error(`${file} is not a regular file`), { code: 'EINVAL' });
    const hash: Hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/** hashFile for a file of ours in a folder; undefined when it is gone (a POP3 client deleted it meanwhile). */
export function hashOurFile(file: string, context: ErrorContext): Promise<string | undefined> {
  return fsCall(() => hashFile(file), 'read', file, context, { expected: { ENOENT: undefined } });
}
