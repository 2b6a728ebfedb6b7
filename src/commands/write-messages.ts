import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import fs from 'node:fs/promises';
import { MessageError, syscallText, type ErrorContext } from '../errors.js';
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

/** What writing did: one line per message that failed, what was added (for the quota), flags updated. */
export interface WriteTally {
  errors: string[];
  bytes: number;
  messages: number;
  reflagged: number;
}

export function newTally(): WriteTally {
  return { errors: [], bytes: 0, messages: 0, reflagged: 0 };
}

/** Writes every planned IMAP message that is not there yet into `maildir`. */
export async function writeFromImap(imap: ImapFlow, maildir: string, label: string, quiet: boolean, planned: readonly PlannedMessage[], metas: readonly ImapMessageMeta[], tally: WriteTally, context: ErrorContext): Promise<void> {
  const toWrite = new Map(planned.filter((m) => m.source === 'imap' && m.action === 'write').map((m) => [m.uid as number, m]));
  const progress = new Progress(label, !quiet);
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  let fatal: unknown;

  const write = async (m: PlannedMessage, body: MessageSource) => {
    await deliverCounted(maildir, m, body, tally, context);
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
  for (const uid of vanished) tally.errors.push(new MessageError('expunged on the source during the import; not copied', { ...context, uid }).message);
  await applyReflags(maildir, planned, tally, context);
  for (const dir of ['new', 'cur']) await fsyncDir(path.join(maildir, dir), context);
}

/**
 * Renames the messages whose flags grew on the source (plan: reflag). A rename inside the Maildir
 * keeps the mtime, and qmail-pop3d's UIDL is the name up to ':', which does not change.
 */
async function applyReflags(maildir: string, planned: readonly PlannedMessage[], tally: WriteTally, context: ErrorContext): Promise<void> {
  for (const m of planned) {
    if (m.action !== 'reflag' || !m.from) continue;
    const from = path.join(maildir, m.from);
    const to = path.join(maildir, m.dir, m.file);
    try {
      await fs.rename(from, to);
      tally.reflagged += 1;
    } catch (err) {
      // Gone meanwhile (a POP3 client deleted it): nothing to flag.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') tally.errors.push(new MessageError(syscallText('rename', `${m.from}, ${m.dir}/${m.file}`, err), { ...context, uid: m.uid, uidl: m.uidl }).message);
    }
  }
}

/** A message that fails is one report line; anything bigger (a full disk) stops the folder. */
export async function deliverCounted(maildir: string, m: PlannedMessage, body: MessageSource, tally: WriteTally, context: ErrorContext): Promise<void> {
  try {
    // Read tally.bytes after the await: writes run concurrently and would otherwise lose updates.
    const bytes = await deliver(maildir, { dir: m.dir, file: m.file, mtimeSec: m.mtimeSec, body }, { ...context, uid: m.uid, uidl: m.uidl });
    tally.bytes += bytes;
    tally.messages += 1;
  } catch (err) {
    if (!(err instanceof MessageError)) throw err;
    tally.errors.push(err.message);
  }
}
