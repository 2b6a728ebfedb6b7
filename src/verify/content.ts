import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** How many messages --content compares: a count, or all of them. */
export type ContentSample = number | 'all';

/** Positions of `want` messages spread evenly over `count` (all of them for 'all'). */
export function pickSample(count: number, want: ContentSample): number[] {
  const n = want === 'all' ? count : Math.min(want, count);
  return Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
}

/** SHA-256 of a stored message file: the same as source/content-hash.ts gives for its source. */
export async function hashFile(file: string): Promise<string> {
  const hash: Hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
