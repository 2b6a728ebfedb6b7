import type { ImapFlow } from 'imapflow';
import type { ErrorContext } from '../errors.js';
import type { KeptSnapshot } from '../state/source-snapshots.js';
import { examineFolder, imapCall } from './imap-link.js';
import { fetchMessageMeta, snapshotOf, type FolderSnapshot } from './imap.js';
import type { FolderName } from './listed-name.js';

/** How a folder's snapshot was had: only what changed since a snapshot kept, or every message. */
export type SnapshotRead = 'changes' | 'full';

/**
 * A folder's snapshot from the one an earlier run kept (docs/journal.md, "The source's snapshots"):
 * under the same UIDVALIDITY, with CONDSTORE, the messages from its UIDNEXT on and the flags changed
 * since its HIGHESTMODSEQ (RFC 7162 CHANGEDSINCE). A message expunged since shows only in the
 * count: when the kept messages below its UIDNEXT and the new ones are not exactly EXISTS, or
 * anything else does not fit, every message is read as without a kept snapshot.
 */
export async function readFolderChanges(
  client: ImapFlow,
  folder: FolderName,
  kept: KeptSnapshot,
  context: ErrorContext,
): Promise<{ snapshot: FolderSnapshot; read: SnapshotRead }> {
  const box = await examineFolder(client, folder, context);
  const full = async () => ({
    snapshot: snapshotOf(
      folder.path,
      box,
      box.exists > 0 ? await fetchMessageMeta(client, folder.path, '1:*', false, context) : [],
    ),
    read: 'full' as const,
  });
  const now = snapshotOf(folder.path, box, []);
  if (
    now.uidValidity !== kept.uidValidity ||
    now.highestModseq === undefined ||
    kept.highestModseq === undefined ||
    box.noModseq ||
    kept.uidNext < 1
  )
    return full();
  // The kept snapshot's FETCH may have seen mail that came after its EXAMINE: read again from its UIDNEXT.
  const byUid = new Map(kept.messages.filter((m) => m.uid < kept.uidNext).map((m) => [m.uid, m]));
  if (byUid.size > 0 && box.exists > 0) {
    const changed = await changedFlags(client, folder.path, kept, context);
    for (const [uid, flags] of changed) {
      const m = byUid.get(uid);
      // A UID the kept snapshot does not hold: it is not what this server has, read it all.
      if (!m) return full();
      byUid.set(uid, { ...m, flags });
    }
  }
  if (box.exists > 0 && (box.uidNext ?? 0) > kept.uidNext)
    for (const m of await fetchMessageMeta(client, folder.path, `${kept.uidNext}:*`, true, context))
      // `n:*` names the last message even below n (RFC 3501): only those from n on are new.
      if (m.uid >= kept.uidNext) byUid.set(m.uid, m);
  // EXISTS as it is now: mail that came during these FETCHes was announced before them.
  if (byUid.size !== (client.mailbox ? client.mailbox.exists : box.exists)) return full();
  return { snapshot: { ...now, messages: [...byUid.values()].sort((a, b) => a.uid - b.uid) }, read: 'changes' };
}

/** The flags of the messages below the kept UIDNEXT whose MODSEQ passed the kept HIGHESTMODSEQ. */
async function changedFlags(
  client: ImapFlow,
  path: string,
  kept: KeptSnapshot,
  context: ErrorContext,
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  await imapCall(
    client,
    async () => {
      const since = { uid: true, changedSince: BigInt(kept.highestModseq as string) };
      for await (const m of client.fetch(`1:${kept.uidNext - 1}`, { uid: true, flags: true }, since))
        out.set(m.uid, [...(m.flags ?? [])]);
    },
    `cannot list changed flags of ${path}`,
    context,
  );
  return out;
}
