/**
 * qmail-pop3d's listing of a Maildir, by its rules (docs/qmail-pop3d.md), as a pure function: the
 * model verify falls back on when no qmail-pop3d binary exists, and what tests assert through.
 */
export interface MaildirEntry {
  dir: 'new' | 'cur';
  /** File name inside new/ or cur/. */
  name: string;
  /** mtime in whole seconds, as stat() reports it (following links, as qmail-pop3d does). */
  mtimeSec: number;
  /** st_size: the stored (LF) size, which is what qmail-pop3d's LIST reports. */
  size: number;
}

export interface Pop3dMessage {
  n: number;
  uidl: string;
  /** LF size as qmail-pop3d reports it. */
  size: number;
  entry: MaildirEntry;
}

export interface Pop3dListing {
  messages: Pop3dMessage[];
  /** Entries qmail-pop3d would not list because their mtime is now or in the future. */
  invisible: MaildirEntry[];
  /** Groups of listed entries sharing one mtime second: qmail-pop3d orders them arbitrarily. */
  ties: MaildirEntry[][];
}

export function listLikeQmailPop3d(entries: readonly MaildirEntry[], nowSec: number): Pop3dListing {
  const visible: MaildirEntry[] = [];
  const invisible: MaildirEntry[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    (e.mtimeSec < nowSec ? visible : invisible).push(e);
  }
  // The real heap order among ties is unknowable; new/ before cur/, then name, keeps the model stable.
  visible.sort(
    (a, b) =>
      a.mtimeSec - b.mtimeSec ||
      (a.dir === b.dir ? 0 : a.dir === 'new' ? -1 : 1) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const ties: MaildirEntry[][] = [];
  for (let i = 0; i < visible.length;) {
    let j = i + 1;
    while (j < visible.length && visible[j]?.mtimeSec === visible[i]?.mtimeSec) j += 1;
    if (j - i > 1) ties.push(visible.slice(i, j));
    i = j;
  }
  return {
    messages: visible.map((entry, i) => ({ n: i + 1, uidl: uidlOfName(entry.name), size: entry.size, entry })),
    invisible,
    ties,
  };
}

/** qmail-pop3d's UIDL for a file: its name up to the first ':'. */
export function uidlOfName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}
