import fs from 'node:fs/promises';
import path from 'node:path';
import { FolderError, syscallText, type ErrorContext } from '../errors.js';
import { crlfExtra } from '../maildir/line-endings.js';
import type { InboxPlan } from '../plan/inbox.js';
import type { PlannedMessage } from '../plan/message.js';
import type { ImapMessageMeta } from '../source/imap.js';

/**
 * An INBOX file we did not write (the journal does not know it) that has an incoming UIDL's
 * name: when its CRLF size equals the source message's it is taken as the same message, already
 * there; otherwise it is a conflict: left exactly as it is, never overwritten or renamed, and
 * reported. Only such foreign files are read.
 */
export async function markNameConflicts(
  maildir: string,
  plan: InboxPlan,
  metas: readonly ImapMessageMeta[],
  ours: ReadonlySet<string>,
  context: ErrorContext,
): Promise<InboxPlan> {
  const sizeOf = new Map(metas.map((m) => [m.uid, m.size]));
  const messages: PlannedMessage[] = [];
  for (const m of plan.messages) {
    const sourceSize = m.uid === undefined ? undefined : sizeOf.get(m.uid);
    if (m.action === 'write' || ours.has(m.name) || sourceSize === undefined) {
      messages.push(m);
      continue;
    }
    const file = path.join(maildir, m.from ?? `${m.dir}/${m.file}`);
    let crlfSize: number;
    try {
      crlfSize = (await fs.lstat(file)).size + (await crlfExtra(file, context));
    } catch (err) {
      throw new FolderError(syscallText('stat', file, err), { ...context, cause: err });
    }
    messages.push(
      crlfSize === sourceSize
        ? m
        : {
            ...m,
            action: 'conflict',
            conflict: `another file named ${m.name} is already there (${crlfSize} bytes with CRLF, the source's message ${sourceSize}); left as it is`,
          },
    );
  }
  return { ...plan, messages };
}
