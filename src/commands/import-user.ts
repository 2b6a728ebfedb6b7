import os from 'node:os';
import type { Readable } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import path from 'node:path';
import { FolderError, MessageError, type ErrorContext } from '../errors.js';
import { WRITE_CONCURRENCY } from '../limits.js';
import { deliver } from '../maildir/deliver.js';
import { ensureMaildir, fsyncDir } from '../maildir/layout.js';
import { uidlOfName } from '../maildir/pop3d-listing.js';
import { scanMaildir } from '../maildir/scan.js';
import { Progress } from '../report/progress.js';
import type { ImportReport } from '../report/types.js';
import { closeImap, fetchBodies, openImap, readFolderSnapshot, type ImapMessageMeta, type MessageBody } from '../source/imap.js';
import { readPop3Listing } from '../source/pop3-client.js';
import { joinUidlAndList } from '../source/pop3-session.js';
import { MtimeOrderError, planInbox, type InboxPlan, type PlannedMessage } from '../uidl/inbox-plan.js';
import { matchUidls, type Pop3Message } from '../uidl/match.js';
import { credentialsOf, type UserJob } from './user-job.js';

/**
 * One user's import: look at the source (IMAP metadata first, POP3 late and short), plan, then
 * write what the plan says. Runs as the mailbox owner.
 */
export async function importUser(job: UserJob): Promise<ImportReport> {
  const context: ErrorContext = { user: job.user, folder: 'INBOX' };
  const runStartSec = Math.floor(Date.now() / 1000);
  const imap = await openImap(job.imap, credentialsOf(job), context);
  try {
    const snapshot = await readFolderSnapshot(imap, 'INBOX', context);
    const pop3 = job.uidl === 'off' ? undefined : await readPop3Messages(job, context);
    if (!job.dryRun) await ensureMaildir(job.maildir, context);
    const existingFiles = job.dryRun ? await scanIfPresent(job.maildir, context) : await scanMaildir(job.maildir, false, context);
    const existing = new Map(existingFiles.map((e) => [uidlOfName(e.name), e.mtimeSec]));
    let plan: InboxPlan;
    try {
      plan = planInbox({
        uidValidity: snapshot.uidValidity,
        imap: snapshot.messages,
        matched: pop3 && matchUidls(snapshot.uidValidity, snapshot.messages, pop3),
        existing,
        // Every second a file already holds is taken: no two files may share one (qmail-pop3d.md).
        otherMtimesSec: new Set(existingFiles.map((e) => e.mtimeSec)),
        beforeSec: runStartSec,
        host: os.hostname(),
      });
    } catch (err) {
      if (err instanceof MtimeOrderError) throw new FolderError(`cannot order messages for qmail-pop3d: ${err.message}`, context);
      throw err;
    }
    const errors = job.dryRun ? [] : await writePlanned(imap, job, plan, snapshot.messages, context);
    return importReport(job, plan, snapshot.messages.length, pop3?.length ?? 0, errors);
  } finally {
    await closeImap(imap);
  }
}

async function readPop3Messages(job: UserJob, context: ErrorContext): Promise<Pop3Message[]> {
  const listing = await readPop3Listing(job.pop3, credentialsOf(job), context);
  return joinUidlAndList(listing.uidl, listing.list);
}

/** A dry run creates nothing, so a Maildir still to be created simply holds nothing yet. */
async function scanIfPresent(maildir: string, context: ErrorContext) {
  try {
    return await scanMaildir(maildir, false, context);
  } catch (err) {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return [];
    throw err;
  }
}

/** Writes every planned message that is not there yet; returns one line per message that failed. */
async function writePlanned(imap: ImapFlow, job: UserJob, plan: InboxPlan, metas: ImapMessageMeta[], context: ErrorContext): Promise<string[]> {
  const toWrite = new Map(plan.messages.filter((m) => m.action === 'write').map((m) => [m.uid, m]));
  const errors: string[] = [];
  const progress = new Progress(`${job.user} INBOX`, !job.quiet);
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  let fatal: unknown;

  const write = async (planned: PlannedMessage, body: Buffer | Readable) => {
    try {
      await deliver(job.maildir, { dir: planned.dir, file: planned.file, mtimeSec: planned.mtimeSec, body }, { ...context, uid: planned.uid, uidl: planned.uidl });
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      errors.push(err.message);
    }
    done += 1;
    progress.update(done, toWrite.size);
  };

  const take = async (body: MessageBody): Promise<void> => {
    if (fatal) throw fatal;
    const planned = toWrite.get(body.uid);
    if (!planned) return;
    if ('stream' in body) {
      await write(planned, body.stream);
      return;
    }
    const p = write(planned, body.buffer).catch((err) => {
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
  for (const dir of ['new', 'cur']) await fsyncDir(path.join(job.maildir, dir), context);
  return errors;
}

function importReport(job: UserJob, plan: InboxPlan, imapCount: number, pop3Count: number, errors: string[]): ImportReport {
  const kept = plan.messages.filter((m) => m.uidl !== undefined && m.downloadAgain === undefined).length;
  return {
    kind: 'import',
    user: job.user,
    maildir: job.maildir,
    dryRun: job.dryRun,
    inbox: {
      uidValidity: plan.uidValidity,
      formula: plan.formula,
      uidlMode: job.uidl,
      imapMessages: imapCount,
      pop3Messages: pop3Count,
      toWrite: plan.messages.filter((m) => m.action === 'write').length,
      alreadyPresent: plan.messages.filter((m) => m.action === 'present').length,
      uidlsKept: kept,
      downloadAgain: plan.messages.filter((m) => m.downloadAgain).map((m) => ({ uid: m.uid, uidl: m.uidl, reason: m.downloadAgain as string })),
      unmatchedPop3: plan.unmatchedPop3,
      droppedFlags: countDropped(plan.messages),
      errors,
    },
    ...(job.dryRun ? { plan } : {}),
  };
}

function countDropped(messages: PlannedMessage[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) for (const f of m.droppedFlags) counts[f] = (counts[f] ?? 0) + 1;
  return counts;
}
