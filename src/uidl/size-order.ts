/**
 * Size + order, after the rule of Dovecot's pop3-migration, made strict: when the unmatched POP3
 * messages and the unmatched IMAP messages are equally many and their sizes agree position by
 * position, a pair is taken only where its size is one no other leftover has. Equal sizes
 * anywhere could be messages the two listings order differently (a real server's POP3 order need
 * not be UID order), so they are left to the header and content hashes. Returns index pairs
 * [pop3Index, imapIndex].
 */
export function matchBySizeAndOrder(pop3Sizes: readonly number[], imapSizes: readonly number[]): [number, number][] {
  if (pop3Sizes.length !== imapSizes.length || pop3Sizes.some((s, i) => s !== imapSizes[i])) return [];
  const count = new Map<number, number>();
  for (const s of pop3Sizes) count.set(s, (count.get(s) ?? 0) + 1);
  return pop3Sizes.flatMap((size, i): [number, number][] => (count.get(size) === 1 ? [[i, i]] : []));
}
