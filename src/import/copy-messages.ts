import type { ImapFlow } from 'imapflow';
import { MessageError, type ErrorContext } from '../errors.js';
import { WRITE_CONCURRENCY } from '../limits.js';
import type { MessageSource } from '../maildir/deliver.js';
import type { ImapMessageMeta } from '../message-records.js';
import type { PlannedMessage } from '../plan/message.js';
import { Progress } from '../report/progress.js';
import { fetchBodies, type BodiesRead } from '../source/imap-bodies.js';
import type { Pop3Connection } from '../source/pop3-client.js';
import { TaskPool } from '../task-pool.js';
import type { FolderWriteSession } from './folder-session.js';

/** The planned messages whose bytes still have to come from `source`. */
export function toCopy(messages: readonly PlannedMessage[], source: 'imap' | 'pop3'): PlannedMessage[] {
  return messages.filter((m) => m.action === 'write' && m.source === source);
}

/**
 * Hands every planned IMAP message to the session, small ones from pipelined range fetches and
 * written concurrently (fsync is the cost, and it overlaps across files), big ones streamed.
 */
export async function copyFromImap(
  imap: ImapFlow,
  session: FolderWriteSession,
  planned: readonly PlannedMessage[],
  metas: readonly ImapMessageMeta[],
  progress: Progress,
  context: ErrorContext,
): Promise<void> {
  const byUid = new Map(toCopy(planned, 'imap').map((m) => [m.uid as number, m]));
  progress.expect([...byUid.values()].map((m) => m.size));
  const pool = new TaskPool(WRITE_CONCURRENCY);
  const write = async (m: PlannedMessage, body: MessageSource) => {
    const uid = m.uid as number;
    await session.write(m, body, (bytes) => progress.received(uid, bytes));
    progress.finished(uid, m.size);
  };
  let read: BodiesRead;
  try {
    read = await fetchBodies(
      imap,
      metas.filter((m) => byUid.has(m.uid)),
      async (body) => {
        const m = byUid.get(body.uid);
        if (!m) return;
        // A stream is read inside the fetch loop (it is the connection); a buffer can wait its turn.
        if ('stream' in body) await write(m, body.stream);
        else await pool.run(() => write(m, body.buffer));
      },
      context,
    );
  } finally {
    await pool.settle();
    progress.end();
  }
  for (const uid of read.vanished)
    session.note(
      'errors',
      new MessageError('expunged on the source during the import; not copied', { ...context, uid }).message,
    );
  for (const { uid, reason } of read.notExact) session.note('notExact', `uid ${uid}: ${reason}`);
}

/** Writes, one at a time from the open POP3 session, the planned messages only POP3 has. */
export async function copyFromPop3(
  pop3: Pop3Connection,
  session: FolderWriteSession,
  planned: readonly PlannedMessage[],
): Promise<void> {
  for (const m of toCopy(planned, 'pop3'))
    await session.write(m, (write) => pop3.session.readMessage(m.pop3N as number, m.size, write).then(() => undefined));
}
