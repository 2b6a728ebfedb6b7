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

/** The planned messages whose bytes still have to come from `source`, or from either (a rewrite
 *  too: new bytes). */
export function toCopy(messages: readonly PlannedMessage[], source?: 'imap' | 'pop3'): PlannedMessage[] {
  return messages.filter(
    (m) => (m.action === 'write' || m.action === 'rewrite') && (source === undefined || m.source === source),
  );
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
  const pool = new TaskPool(WRITE_CONCURRENCY);
  const write = async (m: PlannedMessage, body: MessageSource) => {
    await session.write(m, body, (bytes) => progress.received(m, bytes));
    progress.finished(m, m.size);
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
  }
  for (const uid of read.vanished)
    session.note(
      'errors',
      new MessageError('expunged on the source during the import; not copied', { ...context, uid }).message,
    );
  for (const { uid, reason } of read.notExact) session.note('notExact', `uid ${uid}: ${reason}`);
}

/** Writes, one at a time from the open POP3 session, the planned messages only POP3 has (with
 *  --uidl pop3, the whole INBOX): shown, and a stop honoured between two of them. */
export async function copyFromPop3(
  pop3: Pop3Connection,
  session: FolderWriteSession,
  planned: readonly PlannedMessage[],
  progress: Progress,
): Promise<void> {
  for (const m of toCopy(planned, 'pop3')) {
    const read = (write: (chunk: Buffer) => Promise<void>) =>
      pop3.session.readMessage(m.pop3N as number, m.size, write).then(() => undefined);
    await session.write(m, read, (bytes) => progress.received(m, bytes));
    progress.finished(m, m.size);
  }
}
