/**
 * POP3 and IMAP leftovers that share one key (a UIDL a formula yields, a Message-ID, a header or
 * content hash), as indices into the matching state's leftovers.
 */
export interface KeyGroup {
  pop3: number[];
  imap: number[];
}

/** What pairing inside the groups decided: index pairs [pop3Index, imapIndex]; the POP3 messages
 *  that several IMAP messages fit equally well (left for stronger evidence); and of those, the
 *  groups left with as many POP3 as IMAP members (`ties`: the same messages, not told apart). */
export interface GroupPairing {
  pairs: [number, number][];
  undecided: number[];
  ties: KeyGroup[];
}

/**
 * Pairs inside each group by further evidence, never by position alone (docs/matching.md):
 * - one message on each side: the key decides;
 * - otherwise the size (POP3 LIST against IMAP RFC822.SIZE): a size exactly one member on each
 *   side has decides that pair;
 * - what is left pairs in order only when the key says the bytes are identical (`identical`:
 *   a content hash), since then the pairing changes nothing, whatever sizes the two protocols
 *   announce (a server may add headers to one); else it stays undecided.
 * An IMAP message that two groups claim is left out of both.
 */
export function pairWithinGroups(
  groups: Iterable<KeyGroup>,
  pop3Sizes: readonly number[],
  imapSizes: readonly number[],
  identical: boolean,
): GroupPairing {
  const pairs: [number, number][] = [];
  const undecided: number[] = [];
  const ties: KeyGroup[] = [];
  for (const g of groups) {
    if (g.pop3.length === 0 || g.imap.length === 0) continue;
    if (g.pop3.length === 1 && g.imap.length === 1) {
      pairs.push([g.pop3[0] as number, g.imap[0] as number]);
      continue;
    }
    const bySize = new Map<number, KeyGroup>();
    const sizeGroup = (size: number) => bySize.get(size) ?? bySize.set(size, { pop3: [], imap: [] }).get(size)!;
    for (const i of g.pop3) sizeGroup(pop3Sizes[i] as number).pop3.push(i);
    for (const j of g.imap) sizeGroup(imapSizes[j] as number).imap.push(j);
    const left: KeyGroup = { pop3: [], imap: [] };
    for (const s of bySize.values()) {
      if (s.pop3.length === 1 && s.imap.length === 1) pairs.push([s.pop3[0] as number, s.imap[0] as number]);
      else {
        left.pop3.push(...s.pop3);
        left.imap.push(...s.imap);
      }
    }
    left.pop3.sort((a, b) => a - b);
    left.imap.sort((a, b) => a - b);
    if (identical) left.pop3.slice(0, left.imap.length).forEach((i, k) => pairs.push([i, left.imap[k] as number]));
    else if (left.imap.length > 0 && left.pop3.length > 0) {
      undecided.push(...left.pop3);
      if (left.pop3.length === left.imap.length) ties.push(left);
    }
  }
  // A message two groups pair (an IMAP message with two Message-ID forms) is decided by neither.
  const pop3Claims = new Uint32Array(pop3Sizes.length);
  const imapClaims = new Uint32Array(imapSizes.length);
  for (const [i, j] of pairs) {
    pop3Claims[i] = (pop3Claims[i] as number) + 1;
    imapClaims[j] = (imapClaims[j] as number) + 1;
  }
  const unique = pairs.filter(([i, j]) => pop3Claims[i] === 1 && imapClaims[j] === 1);
  const paired = new Uint8Array(pop3Sizes.length);
  for (const [i] of unique) paired[i] = 1;
  const contested = pairs.filter(([i]) => !paired[i]).map(([i]) => i);
  return {
    pairs: unique,
    undecided: [...new Set([...undecided, ...contested])].filter((i) => !paired[i]),
    ties,
  };
}

/** A key: a string, or a UID where a formula gave one (no string made per message). */
export type Key = string | number;

/** A group's members on one side: most groups have one, kept as the bare index (no array). */
type Members = number | number[] | undefined;

/**
 * Groups by key: `pop3Keys[i]` / `imapKeys[j]` list the keys of each leftover (none, one or
 * several). Every message is usually in a group of its own (a formula, a Message-ID): the groups
 * are kept compact and each handed out as it is paired, so that 100,000 of them are never objects
 * at once.
 */
export function* groupByKeys(
  pop3Keys: readonly (readonly Key[])[],
  imapKeys: readonly (readonly Key[])[],
): Generator<KeyGroup> {
  const groupOf = new Map<Key, number>();
  const pop3: Members[] = [];
  const imap: Members[] = [];
  const add = (side: Members[], key: Key, index: number) => {
    let g = groupOf.get(key);
    if (g === undefined) {
      g = pop3.length;
      groupOf.set(key, g);
      pop3.push(undefined);
      imap.push(undefined);
    }
    const was = side[g];
    if (was === undefined) side[g] = index;
    else if (typeof was === 'number') side[g] = [was, index];
    else was.push(index);
  };
  // A set drops a key a message lists twice, only where it lists several.
  const each = (keys: readonly Key[], take: (k: Key) => void) =>
    (keys.length > 1 ? new Set(keys) : keys).forEach((k) => take(k));
  pop3Keys.forEach((keys, i) => each(keys, (k) => add(pop3, k, i)));
  imapKeys.forEach((keys, j) => each(keys, (k) => add(imap, k, j)));
  groupOf.clear();
  const list = (m: Members) => (m === undefined ? [] : typeof m === 'number' ? [m] : m);
  for (let g = 0; g < pop3.length; g++) yield { pop3: list(pop3[g]), imap: list(imap[g]) };
}
