import fs from 'node:fs/promises';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import { MessageError, syscallText, type ErrorContext } from '../errors.js';
import { WRITE_CONCURRENCY } from '../limits.js';
import { deliver, type MessageSource } from '../maildir/deliver.js';
import { fsyncDir } from '../maildir/layout.js';
import { existingByName, scanMaildir, type ScannedEntry } from '../maildir/scan.js';
import type { PlannedMessage } from '../plan/message.js';
import { Progress } from '../report/progress.js';
import type { HistoryReport } from '../report/types.js';
import { folderHistory, historyKey, type FolderHistory, type Journal, type JournalEntry } from '../state/journal.js';
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

/** What writing did: one line per message that failed, what was added or removed (for the quota), flags updated. */
export interface WriteTally {
  errors: string[];
  bytes: number;
  messages: number;
  reflagged: number;
  /** Renumbered on the source: the earlier file was renamed instead of a second copy written. */
  movedByContent: number;
  /** Imported before and deleted on this side since: not brought back. */
  keptDeleted: number;
}

export function newTally(): WriteTally {
  return { errors: [], bytes: 0, messages: 0, reflagged: 0, movedByContent: 0, keptDeleted: 0 };
}

/** One folder being written: its Maildir, its journal and what the journal says of it. */
export interface WriteTarget {
  maildir: string;
  folder: string;
  uidValidity: string;
  journal: Journal;
  history: FolderHistory;
}

/** The journal as one run uses it: what it held at the start, and the writer (none in a dry run). */
export interface JournalState {
  entries: readonly JournalEntry[];
  journal?: Journal;
}

/**
 * What the journal implies for a folder about to be written (folderHistory), and where its
 * messages go. `target` is absent in a dry run: nothing is written.
 */
export function startFolder(
  state: JournalState,
  maildir: string,
  folder: string,
  uidValidity: string,
  existing: readonly ScannedEntry[],
  planned: readonly PlannedMessage[],
): { history: FolderHistory; target?: WriteTarget } {
  const history = folderHistory(
    state.entries,
    folder,
    uidValidity,
    existingByName(existing),
    new Set(planned.map((m) => m.name)),
  );
  return {
    history,
    ...(state.journal ? { target: { maildir, folder, uidValidity, journal: state.journal, history } } : {}),
  };
}

/**
 * After a folder's writes: what we imported earlier and the source no longer has (the journal's
 * files no message of this run took), removed with --delete, else only reported.
 */
export async function finishFolder(
  maildir: string,
  history: FolderHistory,
  tally: WriteTally,
  deleteGone: boolean,
  dryRun: boolean,
  context: ErrorContext,
): Promise<HistoryReport> {
  const gone = [...history.earlier.values()];
  if (deleteGone && !dryRun) for (const g of gone) await removeGone(path.join(maildir, g.dir, g.file), tally, context);
  return {
    ...(history.uidValidityChangedFrom !== undefined ? { uidValidityChangedFrom: history.uidValidityChangedFrom } : {}),
    movedByContent: tally.movedByContent,
    keptDeleted: tally.keptDeleted,
    goneFromSource: gone.map((g) => `${g.dir}/${g.file}`),
    goneDeleted: deleteGone && !dryRun,
  };
}

/** Removes one file the source no longer has; its size comes off the quota tally. */
async function removeGone(file: string, tally: WriteTally, context: ErrorContext): Promise<void> {
  try {
    const { size } = await fs.lstat(file);
    await fs.unlink(file);
    tally.bytes -= size;
    tally.messages -= 1;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      tally.errors.push(new MessageError(syscallText('unlink', file, err), context).message);
  }
}

/** The planned messages to write now: new ones, less those deleted on this side since we wrote them. */
export function toWriteNow(
  planned: readonly PlannedMessage[],
  target: WriteTarget,
  tally: WriteTally,
  source: 'imap' | 'pop3',
): PlannedMessage[] {
  return planned.filter((m) => {
    if (m.source !== source || m.action !== 'write') return false;
    if (!target.history.deletedHere.has(historyKey(m))) return true;
    tally.keptDeleted += 1;
    return false;
  });
}

/** Writes every planned IMAP message that is not there yet into the target folder. */
export async function writeFromImap(
  imap: ImapFlow,
  target: WriteTarget,
  label: string,
  quiet: boolean,
  planned: readonly PlannedMessage[],
  metas: readonly ImapMessageMeta[],
  tally: WriteTally,
  context: ErrorContext,
): Promise<void> {
  const maildir = target.maildir;
  const toWrite = new Map(toWriteNow(planned, target, tally, 'imap').map((m) => [m.uid as number, m]));
  const progress = new Progress(label, !quiet);
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  let fatal: unknown;

  const write = async (m: PlannedMessage, body: MessageSource, size: number) => {
    await deliverCounted(target, m, body, tally, context, size);
    done += 1;
    progress.update(done, toWrite.size);
  };

  const take = async (body: MessageBody): Promise<void> => {
    if (fatal) throw fatal;
    const m = toWrite.get(body.uid);
    if (!m) return;
    if ('stream' in body) {
      await write(m, body.stream, body.size);
      return;
    }
    // Small messages are written concurrently: fsync is the cost, and it overlaps across files.
    const p = write(m, body.buffer, body.size).catch((err) => {
      fatal ??= err;
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
  };

  let vanished: number[];
  try {
    vanished = await fetchBodies(
      imap,
      metas.filter((m) => toWrite.has(m.uid)),
      take,
      context,
    );
  } finally {
    // Even when the connection drops: let the writes under way finish (or fail) before the caller
    // releases the lock and closes the journal.
    await Promise.all(inFlight);
  }
  if (fatal) throw fatal;
  for (const uid of vanished)
    tally.errors.push(
      new MessageError('expunged on the source during the import; not copied', { ...context, uid }).message,
    );
  await applyReflags(maildir, planned, tally, context);
  for (const dir of ['new', 'cur']) await fsyncDir(path.join(maildir, dir), context);
  await target.journal.sync(context);
}

/**
 * Renames the messages whose flags grew on the source (plan: reflag). A rename inside the Maildir
 * keeps the mtime, and qmail-pop3d's UIDL is the name up to ':', which does not change.
 */
async function applyReflags(
  maildir: string,
  planned: readonly PlannedMessage[],
  tally: WriteTally,
  context: ErrorContext,
): Promise<void> {
  for (const m of planned) {
    if (m.action !== 'reflag' || !m.from) continue;
    const from = path.join(maildir, m.from);
    const to = path.join(maildir, m.dir, m.file);
    try {
      await fs.rename(from, to);
      tally.reflagged += 1;
    } catch (err) {
      // Gone meanwhile (a POP3 client deleted it): nothing to flag.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        tally.errors.push(
          new MessageError(syscallText('rename', `${m.from}, ${m.dir}/${m.file}`, err), {
            ...context,
            uid: m.uid,
            uidl: m.uidl,
          }).message,
        );
    }
  }
}

/** A message that fails is one report line; anything bigger (a full disk) stops the folder. */
export async function deliverCounted(
  target: WriteTarget,
  m: PlannedMessage,
  body: MessageSource,
  tally: WriteTally,
  context: ErrorContext,
  expectedSize?: number,
): Promise<void> {
  const sameContent = (sha256: string) => {
    const earlier = target.history.earlier.get(sha256);
    if (!earlier) return undefined;
    target.history.earlier.delete(sha256);
    return path.join(target.maildir, earlier.dir, earlier.file);
  };
  try {
    const d = await deliver(
      target.maildir,
      { dir: m.dir, file: m.file, mtimeSec: m.mtimeSec, body, sameContent, expectedSize },
      { ...context, uid: m.uid, uidl: m.uidl },
    );
    // The tally is updated after the await: writes run concurrently and would lose updates otherwise.
    if (d.moved) tally.movedByContent += 1;
    else {
      tally.bytes += d.bytes;
      tally.messages += 1;
    }
    await target.journal.record(
      {
        folder: target.folder,
        uidValidity: target.uidValidity,
        ...(m.uid !== undefined ? { uid: m.uid } : {}),
        ...(m.uidl !== undefined ? { uidl: m.uidl } : {}),
        name: m.name,
        sha256: d.sha256,
      },
      context,
    );
  } catch (err) {
    if (!(err instanceof MessageError)) throw err;
    tally.errors.push(err.message);
  }
}
