/**
 * Size + order, the rule of Dovecot's pop3-migration: when the unmatched POP3 messages and the
 * unmatched IMAP messages are equally many and their sizes agree position by position, the
 * positions line up; a pairing is trusted only where its size differs from both neighbours',
 * since equal-sized neighbours could be swapped. Returns index pairs [pop3Index, imapIndex].
 */
export function matchBySizeAndOrder(pop3Sizes: readonly number[], imapSizes: readonly number[]): [number, number][] {
  if (pop3Sizes.length !== imapSizes.length || pop3Sizes.some((s, i) => s !== imapSizes[i])) return [];
  const pairs: [number, number][] = [];
  pop3Sizes.forEach((size, i) => {
    if (size !== pop3Sizes[i - 1] && size !== pop3Sizes[i + 1]) pairs.push([i, i]);
  });
  return pairs;
}
