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
  matched: number;
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
  const localByUidl = new Map(local.map((m) => [m.uidl, m]));
  const sourceUidls = new Set(source.map((m) => m.uidl));
  const missing = source.filter((m) => !localByUidl.has(m.uidl));
  const extra = local.filter((m) => !sourceUidls.has(m.uidl));
  const commonSource = source.filter((m) => localByUidl.has(m.uidl));
  const commonLocal = local.filter((m) => sourceUidls.has(m.uidl));
  const reordered: ListingDiff['reordered'] = [];
  const sizeDiffers: ListingDiff['sizeDiffers'] = [];
  commonSource.forEach((s, i) => {
    const l = localByUidl.get(s.uidl) as LocalListed;
    if (commonLocal[i]?.uidl !== s.uidl) reordered.push({ uidl: s.uidl, sourceN: s.n, localN: l.n });
    if (l.sizeCrlf !== s.size)
      sizeDiffers.push({ uidl: s.uidl, localN: l.n, sourceSize: s.size, localSizeCrlf: l.sizeCrlf });
  });
  return { matched: commonSource.length, missing, extra, reordered, sizeDiffers };
}
