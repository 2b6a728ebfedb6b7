import type { ImapFlow } from 'imapflow';
import { FolderError, type ErrorContext } from '../errors.js';
import type { ImapMessageMeta } from '../message-records.js';
import type { KeptSnapshot } from '../state/source-snapshots.js';
import { examineFolder } from './imap-link.js';
import { fetchMessageMeta, listOpenFolder, snapshotOf, type FolderSnapshot } from './imap.js';
import type { FolderName } from './listed-name.js';

/** How a folder's snapshot was had: only what changed since a snapshot kept, or every message. */
export type SnapshotRead = 'changes' | 'full';

/**
 * A folder's snapshot from the one an earlier run kept (docs/journal.md, "The source's snapshots"):
 * under the same UIDVALIDITY, with CONDSTORE, the messages from its UIDNEXT on and the flags changed
 * since its HIGHESTMODSEQ (RFC 7162 CHANGEDSINCE). A message expunged since shows only in the
 * count: when the kept messages below its UIDNEXT and the new ones are not exactly EXISTS, or
 * anything else does not fit, every message is read as without a kept snapshot. `matchHeaders`
 * (the INBOX): with X-UIDL and Message-ID, as readFolderSnapshot reads them, from a snapshot kept
 * with them.
 */
export async function readFolderChanges(
  client: ImapFlow,
  folder: FolderName,
  kept: KeptSnapshot,
  context: ErrorContext,
  matchHeaders = false,
): Promise<{ snapshot: FolderSnapshot; read: SnapshotRead }> {
  const box = await examineFolder(client, folder, context);
  const full = async () => ({
    snapshot: await listOpenFolder(client, folder.path, box, context, matchHeaders),
    read: 'full' as const,
  });
  const now = snapshotOf(folder.path, box, []);
  if (
    kept.path !== folder.path ||
    (matchHeaders && !kept.headers) ||
    now.uidValidity !== kept.uidValidity ||
    now.highestModseq === undefined ||
    kept.highestModseq === undefined ||
    box.noModseq ||
    kept.uidNext < 1 ||
    // Gone back (a source restored from a backup under the same UIDVALIDITY): its CHANGEDSINCE would miss changes.
    BigInt(now.highestModseq) < BigInt(kept.highestModseq) ||
    now.uidNext < kept.uidNext
  )
    return full();
  try {
    const open = { exists: box.exists, uidNext: now.uidNext, matchHeaders };
    const changes = await readSince(client, folder.path, kept, open, context);
    // EXISTS as it is now: mail that came during these FETCHes was announced before them.
    if (!changes || changes.length !== (client.mailbox ? client.mailbox.exists : box.exists)) return full();
    return { snapshot: { ...now, messages: changes }, read: 'changes' };
  } catch (err) {
    // A server that refuses CHANGEDSINCE or the range (NO, BAD) is read in full; a lost link is not.
    if (err instanceof FolderError) return full();
    throw err;
  }
}

/**
 * The kept messages below the kept UIDNEXT with what changed since its HIGHESTMODSEQ laid over
 * them (flags, and size and date where a server rewrote a message), and those from that UIDNEXT
 * on; undefined when a changed UID is not among the kept ones (not what this server has).
 */
async function readSince(
  client: ImapFlow,
  path: string,
  kept: KeptSnapshot,
  { exists, uidNext, matchHeaders }: { exists: number; uidNext: number; matchHeaders: boolean },
  context: ErrorContext,
): Promise<ImapMessageMeta[] | undefined> {
  // The kept snapshot's FETCH may have seen mail that came after its EXAMINE: read again from its UIDNEXT.
  const byUid = new Map(kept.messages.filter((m) => m.uid < kept.uidNext).map((m) => [m.uid, m]));
  if (exists === 0) return [];
  if (byUid.size > 0) {
    const changedSince = BigInt(kept.highestModseq as string);
    for (const m of await fetchMessageMeta(
      client,
      path,
      `1:${kept.uidNext - 1}`,
      { byUid: true, changedSince, matchHeaders },
      context,
    )) {
      if (!byUid.has(m.uid)) return undefined;
      byUid.set(m.uid, m);
    }
  }
  if (uidNext > kept.uidNext)
    for (const m of await fetchMessageMeta(client, path, `${kept.uidNext}:*`, { byUid: true, matchHeaders }, context))
      // `n:*` names the last message even below n (RFC 3501): only those from n on are new.
      if (m.uid >= kept.uidNext) byUid.set(m.uid, m);
  return [...byUid.values()].sort((a, b) => a.uid - b.uid);
}
