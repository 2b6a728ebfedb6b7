import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import { MessageError, type ErrorContext } from '../errors.js';
import { WRITE_CONCURRENCY } from '../limits.js';
import { deliver, type MessageSource } from '../maildir/deliver.js';
import { fsyncDir } from '../maildir/layout.js';
import { scanMaildir } from '../maildir/scan.js';
import type { PlannedMessage } from '../plan/message.js';
import { Progress } from '../report/progress.js';
import { fetchBodies, type ImapMessageMeta, type MessageBody } from '../source/imap.js';

/** A dry run creates nothing, so a Maildir still to be created simply holds nothing yet. */
export async function scanIfPresent(maildir: string, context: ErrorContext) {
  try {
    return await scanMaildir(maildir, false, context);
  } catch (err) {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return [];
    throw err;
  }
}

/** Writes every planned IMAP message that is not there yet into `maildir`; returns one line per message that failed. */
export async function writeFromImap(imap: ImapFlow, maildir: string, label: string, quiet: boolean, planned: readonly PlannedMessage[], metas: readonly ImapMessageMeta[], context: ErrorContext): Promise<string[]> {
  const toWrite = new Map(planned.filter((m) => m.source === 'imap' && m.action === 'write').map((m) => [m.uid as number, m]));
  const errors: string[] = [];
  const progress = new Progress(label, !quiet);
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  let fatal: unknown;

  const write = async (m: PlannedMessage, body: MessageSource) => {
    await deliverCounted(maildir, m, body, errors, context);
    done += 1;
    progress.update(done, toWrite.size);
  };

  const take = async (body: MessageBody): Promise<void> => {
    if (fatal) throw fatal;
    const m = toWrite.get(body.uid);
    if (!m) return;
    if ('stream' in body) {
      await write(m, body.stream);
      return;
    }
    // Small messages are written concurrently: fsync is the cost, and it overlaps across files.
    const p = write(m, body.buffer).catch((err) => {
      fatal ??= err;
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
  };

  const vanished = await fetchBodies(imap, metas.filter((m) => toWrite.has(m.uid)), take, context);
  await Promise.all(inFlight);
  if (fatal) throw fatal;
  for (const uid of vanished) errors.push(new MessageError('expunged on the source during the import; not copied', { ...context, uid }).message);
  for (const dir of ['new', 'cur']) await fsyncDir(path.join(maildir, dir), context);
  return errors;
}

/** A message that fails is one report line; anything bigger (a full disk) stops the folder. */
export async function deliverCounted(maildir: string, m: PlannedMessage, body: MessageSource, errors: string[], context: ErrorContext): Promise<void> {
  try {
    await deliver(maildir, { dir: m.dir, file: m.file, mtimeSec: m.mtimeSec, body }, { ...context, uid: m.uid, uidl: m.uidl });
  } catch (err) {
    if (!(err instanceof MessageError)) throw err;
    errors.push(err.message);
  }
}
