import fs from 'node:fs/promises';
import path from 'node:path';
import { fsCall, type ErrorContext } from '../errors.js';
import { endsWithNewline, openOwnFile, writeAll } from './read-file.js';

/** Refuses, before anything is written, a maildirsize that is not a plain file of ours (a FIFO,
 *  a link): every folder's count would fail on it after its mail was already in. */
export async function checkQuotaFile(maildir: string, context: ErrorContext): Promise<void> {
  await (await openOwnFile(path.join(maildir, 'maildirsize'), fs.constants.O_RDONLY, context))?.close();
}

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
  const handle = await openOwnFile(file, fs.constants.O_RDWR | fs.constants.O_APPEND, context);
  if (!handle) return;
  const append = async () => {
    // A file whose last line lacks its newline would have our line glued onto it ("5000000000S13645439 300").
    const lead = (await endsWithNewline(handle)) ? '' : '\n';
    await writeAll(handle, Buffer.from(`${lead}${bytes} ${messages}\n`));
  };
  await fsCall(append, 'write', file, context, {
    hint: () => `; it misses ${bytes} bytes in ${messages} messages`,
  }).finally(() => handle.close());
}
