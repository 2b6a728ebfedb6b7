import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fsCall, type ErrorContext } from '../errors.js';
import { tmpName } from './unique-name.js';

/**
 * Replaces a small file of ours or of the box's IMAP server in a Maildir: written 0600 under a
 * marked name in the Maildir's tmp/ (a killed run's leftover is cleared like any of ours), synced,
 * then renamed over the target, so a reader sees the old file or the new one, never half of one.
 * rename replaces a planted symlink itself; it never writes through it.
 */
export async function replaceFile(
  maildir: string,
  target: string,
  content: string,
  context: ErrorContext,
): Promise<void> {
  const tmp = path.join(maildir, 'tmp', tmpName(os.hostname()));
  const write = async () => {
    const handle = await fs.open(
      tmp,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      0o600,
    );
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
  };
  await fsCall(write, 'write', target, context).catch(async (err) => {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  });
}
