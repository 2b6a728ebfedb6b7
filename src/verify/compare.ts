/**
 * Compares what POP3 clients saw on the source with what qmail-pop3d will show them, and says
 * what each difference means to a client. Pure: both listings come in as data.
 */
export interface SourceListed {
  n: number;
  uidl: string;
  /** CRLF size, as the source's LIST reported it. */
  size: number;
}

export interface LocalListed {
  n: number;
  uidl: string;
  /** The message's size with CRLF line ends (stored LF size plus its line count). */
  sizeCrlf: number;
}

export interface ListingDiff {
  /** Source UIDLs (each counted once) listed here too. */
  matched: number;
  /** Source messages whose UIDL an earlier source message has: qmail-pop3d lists each name once,
   *  so none of them can be listed here under it, and POP3 clients see them as new. */
  sharedUidl: SourceListed[];
  /** On the source, not here: the client loses track of it. */
  missing: SourceListed[];
  /** Here, not on the source: the client downloads it as new mail. */
  extra: LocalListed[];
  /** In both, but not in the same relative order: message numbers differ from what clients knew. */
  reordered: { uidl: string; sourceN: number; localN: number }[];
  /** In both, sizes differ after line-end conversion: the content is not what the source had. */
  sizeDiffers: { uidl: string; localN: number; sourceSize: number; localSizeCrlf: number }[];
}

export function compareListings(source: readonly SourceListed[], local: readonly LocalListed[]): ListingDiff {
  const { first, sharedUidl } = splitSharedUidls(source);
  const localByUidl = new Map(local.map((m) => [m.uidl, m]));
  const sourceUidls = new Set(first.map((m) => m.uidl));
  const missing = first.filter((m) => !localByUidl.has(m.uidl));
  const extra = local.filter((m) => !sourceUidls.has(m.uidl));
  // Order is compared on first occurrences: a repeat of a UIDL has no place of its own here.
  const commonSource = first.filter((m) => localByUidl.has(m.uidl));
  const commonLocal = local.filter((m) => sourceUidls.has(m.uidl));
  const reordered: ListingDiff['reordered'] = [];
  const sizeDiffers: ListingDiff['sizeDiffers'] = [];
  commonSource.forEach((s, i) => {
    const l = localByUidl.get(s.uidl) as LocalListed;
    if (commonLocal[i]?.uidl !== s.uidl) reordered.push({ uidl: s.uidl, sourceN: s.n, localN: l.n });
    if (l.sizeCrlf !== s.size)
      sizeDiffers.push({ uidl: s.uidl, localN: l.n, sourceSize: s.size, localSizeCrlf: l.sizeCrlf });
  });
  return { matched: commonSource.length, sharedUidl, missing, extra, reordered, sizeDiffers };
}

/** The first source message of each UIDL, and the later ones that repeat a UIDL. */
export function splitSharedUidls<T extends { uidl: string }>(source: readonly T[]): { first: T[]; sharedUidl: T[] } {
  const seen = new Set<string>();
  const first: T[] = [];
  const sharedUidl: T[] = [];
  for (const m of source) {
    (seen.has(m.uidl) ? sharedUidl : first).push(m);
    seen.add(m.uidl);
  }
  return { first, sharedUidl };
}
