import fs from 'node:fs/promises';
import path from 'node:path';
import { fsCall, type ErrorContext } from '../errors.js';
import { endsWithNewline, openOwnFile, readOwnFile, writeAll } from './read-file.js';

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

/** A Maildir++ quota and its usage as maildirsize says; a limit is null where none is set. */
export interface QuotaUse {
  limitBytes: number | null;
  limitMessages: number | null;
  usedBytes: number;
  usedMessages: number;
}

/**
 * The quota and usage in maildirsize: the first line is the quota ("1000000S", "500C",
 * "1000000S,500C"; 0 or a missing letter sets no limit, as for deliverquota), every later line
 * "BYTES COUNT" adds to the usage. Undefined when there is no file or it sets no limit.
 */
export async function readQuota(maildir: string, context: ErrorContext): Promise<QuotaUse | undefined> {
  const [spec = '', ...lines] = (await readOwnFile(path.join(maildir, 'maildirsize'), context)).split('\n');
  const limit = (letter: 'S' | 'C') => {
    const n = Number(new RegExp(`(?:^|,)\\s*(\\d+)${letter}`).exec(spec)?.[1] ?? 0);
    return n > 0 ? n : null;
  };
  const use: QuotaUse = { limitBytes: limit('S'), limitMessages: limit('C'), usedBytes: 0, usedMessages: 0 };
  if (use.limitBytes === null && use.limitMessages === null) return undefined;
  for (const line of lines) {
    const m = /^\s*(-?\d+)\s+(-?\d+)\s*$/.exec(line);
    if (!m) continue;
    use.usedBytes += Number(m[1]);
    use.usedMessages += Number(m[2]);
  }
  return use;
}

/** The Maildir's quota and whether its usage (plus what a dry run would add) is over it;
 *  undefined when maildirsize sets no limit. */
export async function quotaAfter(
  maildir: string,
  planned: { bytes: number; messages: number } | undefined,
  context: ErrorContext,
): Promise<(QuotaUse & { over: boolean }) | undefined> {
  const use = await readQuota(maildir, context);
  if (!use) return undefined;
  const usedBytes = use.usedBytes + (planned?.bytes ?? 0);
  const usedMessages = use.usedMessages + (planned?.messages ?? 0);
  const over =
    (use.limitBytes !== null && usedBytes > use.limitBytes) ||
    (use.limitMessages !== null && usedMessages > use.limitMessages);
  return { ...use, usedBytes, usedMessages, over };
}
