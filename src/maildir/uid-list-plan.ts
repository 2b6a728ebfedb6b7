import type { UidList } from './uid-list.js';

/** What one folder's UID list is to say, from the source and from what the import wrote there. */
export interface ImapUidState {
  /** The source folder's UIDVALIDITY and UIDNEXT (0 when the source did not say). */
  uidValidity: string;
  uidNext: number;
  /** Messages the import wrote in this folder under this UIDVALIDITY (this run's plan and the
   *  journal): source UID and file name up to ':'. */
  messages: { uid: number; name: string }[];
  /** What the journal holds for the folder under other UIDVALIDITYs: a list of ours from before
   *  the source renumbered the folder names these. */
  earlier: { uidValidity: string; uid: number; name: string }[];
}

export interface UidListDecision {
  /** The list to write; absent when the list there is to stay as it is. */
  write?: UidList;
  /** Files in the folder the list gives their source UID. */
  listed: number;
  /** Files in the folder the box's server will number itself (unknown source UID, or the server
   *  has numbered messages of its own and owns the numbering from then on). */
  leftForServer: number;
  /** The list there holds UIDs we did not give: a message delivered (or moved in) on the box. */
  serverNumbered: boolean;
  /** The list there had another UIDVALIDITY, all of it ours: the source renumbered the folder. */
  uidValidityChangedFrom?: number;
}

/**
 * Decides the folder's list. Rules (docs/imap-uids.md): never give a UID to another message. A
 * list holding any entry we did not give is the server's from then on and stays untouched. Under
 * the same UIDVALIDITY a message is listed only above the list's next UID (a UID below it may have
 * been seen by a client for a message since deleted), unless already listed under that UID.
 * `present`: the folder's file names up to ':' where the server reads them.
 */
export function decideUidList(
  existing: UidList | undefined,
  present: ReadonlySet<string>,
  state: ImapUidState,
): UidListDecision {
  const uidValidity = Number(state.uidValidity);
  const ourUid = new Map(state.messages.map((m) => [m.name, m.uid]));
  const earlier = new Set(state.earlier.map((e) => `${e.uidValidity} ${e.uid} ${e.name}`));
  const isOurs = (e: { uid: number; name: string }, v: number) =>
    v === uidValidity ? ourUid.get(e.name) === e.uid : earlier.has(`${v} ${e.uid} ${e.name}`);
  if (existing && existing.entries.some((e) => !isOurs(e, existing.uidValidity))) {
    const listed = existing.entries.filter((e) => present.has(e.name) && ourUid.get(e.name) === e.uid).length;
    const inList = new Set(existing.entries.map((e) => e.name));
    return {
      listed,
      leftForServer: [...present].filter((n) => !inList.has(n)).length,
      serverNumbered: true,
    };
  }
  const same = existing?.uidValidity === uidValidity ? existing : undefined;
  const listedBefore = new Set(same?.entries.map((e) => `${e.uid} ${e.name}`));
  const usedUids = new Set<number>();
  const entries = state.messages
    .filter((m) => present.has(m.name))
    .sort((a, b) => a.uid - b.uid)
    .filter((m) => {
      const ok = !usedUids.has(m.uid) && (!same || m.uid >= same.nextUid || listedBefore.has(`${m.uid} ${m.name}`));
      if (ok) usedUids.add(m.uid);
      return ok;
    })
    .map((m) => ({ uid: m.uid, name: m.name }));
  const highest = entries.reduce((max, e) => Math.max(max, e.uid), 0);
  const list = { uidValidity, nextUid: Math.max(state.uidNext, highest + 1, same?.nextUid ?? 1), entries };
  return {
    ...(existing && sameList(existing, list) ? {} : { write: list }),
    listed: entries.length,
    leftForServer: present.size - entries.length,
    serverNumbered: false,
    ...(existing && !same ? { uidValidityChangedFrom: existing.uidValidity } : {}),
  };
}

function sameList(a: UidList, b: UidList): boolean {
  const key = (l: UidList) => [...l.entries.map((e) => `${e.uid} ${e.name}`)].sort().join('\n');
  return a.uidValidity === b.uidValidity && a.nextUid === b.nextUid && key(a) === key(b);
}
