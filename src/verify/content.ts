/** How many messages --content compares: a count, or all of them. */
export type ContentSample = number | 'all';

/** Positions of `want` messages spread evenly over `count` (all of them for 'all'). */
export function pickSample(count: number, want: ContentSample): number[] {
  const n = want === 'all' ? count : Math.min(want, count);
  return Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
}
