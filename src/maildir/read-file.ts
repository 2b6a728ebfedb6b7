import fs from 'node:fs/promises';
import { FolderError, syscallText, type ErrorContext } from '../errors.js';

/** A small file of ours in the Maildir, read without following a symlink planted in its place;
 *  "" when it does not exist yet. */
export async function readOwnFile(file: string, context: ErrorContext): Promise<string> {
  try {
    const handle = await fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new FolderError(syscallText('open', file, err), { ...context, cause: err });
  }
}
