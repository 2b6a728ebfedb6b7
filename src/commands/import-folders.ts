import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import type { ImapFlow } from 'imapflow';
import { FolderError, syscallText, type ErrorContext } from '../errors.js';
import { maildirFolderFor } from '../maildir/folder-name.js';
import { ensureMaildir } from '../maildir/layout.js';
import { bytesToWrite } from '../report/plan-bytes.js';
import { clearOurTmp } from '../maildir/lock.js';
import { existingByName } from '../maildir/scan.js';
import { addSubscriptions } from '../maildir/subscriptions.js';
import { planFolder } from '../plan/folder.js';
import { countDropped } from '../plan/message.js';
import type { FolderReport } from '../report/types.js';
import { listFolders, readFolderSnapshot, type SourceFolder } from '../source/imap.js';
import { folderWanted, type UserJob } from './user-job.js';
import {
  finishFolder,
  newTally,
  scanIfPresent,
  startFolder,
  writeFromImap,
  type JournalState,
  type WriteTally,
} from './write-messages.js';

/**
 * Every selectable folder but INBOX, each into its Maildir++ folder, then the subscriptions. A
 * folder that cannot be mapped or written gets its own error and the others go on; a lost
 * connection (SourceError) ends the user's import.
 */
export async function importFolders(
  imap: ImapFlow,
  job: UserJob,
  journal: JournalState,
  runStartSec: number,
): Promise<{ report: FolderReport; tally: WriteTally }[]> {
  const context: ErrorContext = { user: job.user };
  const folders = (await listFolders(imap, context)).filter(
    (f) => f.selectable && f.path.toUpperCase() !== 'INBOX' && folderWanted(job, f.path),
  );
  const reports: { report: FolderReport; tally: WriteTally }[] = [];
  const failed = (report: FolderReport) => reports.push({ report, tally: newTally() });
  const dirs = new Map<string, string>();
  const subscribe: string[] = [];
  for (const folder of folders) {
    const mapping = maildirFolderFor(folder.parts);
    const empty = {
      name: folder.path,
      imapMessages: 0,
      toWrite: 0,
      bytesToWrite: 0,
      alreadyPresent: 0,
      reflagged: 0,
      droppedFlags: {},
      errors: [],
    };
    if (!mapping.ok) {
      failed({ ...empty, error: `cannot become a Maildir++ folder: name ${mapping.reason}` });
      continue;
    }
    const clash = dirs.get(mapping.dir);
    if (clash !== undefined) {
      failed({ ...empty, dir: mapping.dir, error: `maps to ${mapping.dir} like folder ${clash}; not imported` });
      continue;
    }
    dirs.set(mapping.dir, folder.path);
    try {
      const done = await importFolder(imap, job, journal, folder, mapping.dir, runStartSec);
      reports.push({
        ...done,
        report: { ...done.report, ...(mapping.renamed ? { renamedFrom: mapping.renamed } : {}) },
      });
      if (folder.subscribed) subscribe.push(mapping.virtualName);
    } catch (err) {
      if (!(err instanceof FolderError)) throw err;
      failed({ ...empty, dir: mapping.dir, error: err.detail });
    }
  }
  if (!job.dryRun) await addSubscriptions(job.maildir, subscribe, context);
  return reports;
}

async function importFolder(
  imap: ImapFlow,
  job: UserJob,
  journal: JournalState,
  folder: SourceFolder,
  dirName: string,
  runStartSec: number,
): Promise<{ report: FolderReport; tally: WriteTally }> {
  const context: ErrorContext = { user: job.user, folder: folder.path };
  const dir = path.join(job.maildir, dirName);
  const snapshot = await readFolderSnapshot(imap, folder.path, context);
  if (!job.dryRun) {
    await ensureMaildir(dir, context);
    await markAsFolder(dir, context);
    // The Maildir's lock, taken by importUser, covers its folders.
    await clearOurTmp(dir, context);
  }
  const existing = await scanIfPresent(dir, context);
  const planned = planFolder({
    uidValidity: snapshot.uidValidity,
    imap: snapshot.messages,
    existing: existingByName(existing),
    beforeSec: runStartSec,
    host: os.hostname(),
  });
  const tally = newTally();
  const { history, target } = startFolder(journal, dir, folder.path, snapshot.uidValidity, existing, planned);
  if (target)
    await writeFromImap(
      imap,
      target,
      `${job.user} ${folder.path}`,
      job.quiet,
      planned,
      snapshot.messages,
      tally,
      context,
    );
  const report: FolderReport = {
    name: folder.path,
    dir: dirName,
    imapMessages: snapshot.messages.length,
    toWrite: planned.filter((m) => m.action === 'write').length,
    bytesToWrite: bytesToWrite(planned, snapshot.messages),
    alreadyPresent: planned.filter((m) => m.action !== 'write').length,
    reflagged: tally.reflagged,
    droppedFlags: countDropped(planned),
    errors: tally.errors,
    history: await finishFolder(dir, history, tally, job.deleteGone, job.dryRun, context),
  };
  return { report, tally };
}

/** The empty `maildirfolder` file Maildir++ readers (Courier's deliverquota, Dovecot) expect in a subfolder. */
async function markAsFolder(dir: string, context: ErrorContext): Promise<void> {
  const marker = path.join(dir, 'maildirfolder');
  try {
    await (
      await fs.open(marker, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600)
    ).close();
  } catch (err) {
    throw new FolderError(syscallText('create', marker, err), { ...context, cause: err });
  }
}
