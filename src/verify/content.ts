import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Pop3Session } from '../source/pop3-session.js';
import { MAX_MESSAGE_LINE_BYTES } from '../limits.js';

/** How many messages --content compares: a count, or all of them. */
export type ContentSample = number | 'all';

/** Positions of `want` messages spread evenly over `count` (all of them for 'all'). */
export function pickSample(count: number, want: ContentSample): number[] {
  const n = want === 'all' ? count : Math.min(want, count);
  return Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
}

/**
 * SHA-256 of a source message as RETR sends it, with each CRLF line end made LF: after
 * dot-unstuffing, that is what qmail-local would have stored. Streams, so size does not matter.
 */
export async function hashRetr(session: Pop3Session, n: number): Promise<string> {
  const hash = createHash('sha256');
  await session.eachLine(`RETR ${n}`, (line) => void hash.update(line).update('\n'), MAX_MESSAGE_LINE_BYTES);
  return hash.digest('hex');
}

/** SHA-256 of a stored message file. */
export async function hashFile(file: string): Promise<string> {
  const hash: Hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
