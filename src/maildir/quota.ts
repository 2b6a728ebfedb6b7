import fs from 'node:fs/promises';
import path from 'node:path';
import { FolderError, syscallText, type ErrorContext } from '../errors.js';

/**
 * Counts added (or, negative, removed) mail in a Maildir++ quota file (`maildirsize`, kept by
 * vpopmail and deliverquota), the way deliverquota does: one appended "BYTES COUNT" line, which
 * readers add up (and recalculate from scratch once the file grows past 5120 bytes). Without
 * such a file the Maildir has no quota and nothing is written.
 */
export async function recordQuotaUse(
  maildir: string,
  bytes: number,
  messages: number,
  context: ErrorContext,
): Promise<void> {
  if (messages === 0 && bytes === 0) return;
  const file = path.join(maildir, 'maildirsize');
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new FolderError(syscallText('open', file, err), { ...context, cause: err });
  }
  try {
    await handle.write(`${bytes} ${messages}\n`);
  } catch (err) {
    throw new FolderError(syscallText('write', file, err), { ...context, cause: err });
  } finally {
    await handle.close();
  }
}
