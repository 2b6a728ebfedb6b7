import fs from 'node:fs/promises';
import path from 'node:path';
import { fsCall, ImportRunning, type ErrorContext } from '../errors.js';
import { listLikeQmailPop3d, uidlOfName, type MaildirEntry, type Pop3dListing } from '../maildir/pop3d-listing.js';
import { scanMaildir, type ScannedEntry } from '../maildir/scan.js';
import { importHolding } from '../maildir/lock.js';
import type { SinceImportReport, VerifyReport } from '../report/types.js';
import { withPop3Session } from '../source/pop3-client.js';
import type { Pop3Message } from '../message-records.js';
import { joinUidlAndList } from '../source/pop3-listing.js';
import { hashPop3Message } from '../source/content-hash.js';
import { hashFile } from '../maildir/hash-file.js';
import { pickSample } from '../verify/content.js';
import { compareListings, splitSharedUidls, type LocalListed } from '../verify/compare.js';
import { runQmailPop3d, type Pop3dRun } from '../verify/qmail-pop3d-runner.js';
import { crlfSizesOf } from '../verify/local-sizes.js';
import { listSelectedFolders, readSourceFolders } from '../verify/source-folders.js';
import { closeImap, openImap, type SourceFolder } from '../source/imap.js';
import { checkFolders, type FolderCheck } from '../verify/folders.js';
import { folderNameEncodingOf } from '../maildir/folder-name.js';
import { resolveImapServer } from '../maildir/imap-server.js';
import { checkImapUids } from '../verify/imap-uids.js';
import { classifyInbox, type SinceCounts, type SinceImport } from '../verify/since-import.js';
import { lastWrittenSec, readJournal } from '../state/journal.js';
import { recordsByFolder, type ImportRecord } from '../state/records.js';
import { credentialsOf, folderWanted, outsideNamespaces, type UserJob } from '../user-job.js';

/**
 * Compares the source's POP3 listing with qmail-pop3d's listing of the Maildir: the real binary
 * when there is one, its rules applied to the Maildir otherwise. With --content, also compares
 * the bytes of sampled messages. Unless --strict (or with no journal), mail delivered or deleted
 * here since the import is counted as normal life, not a mismatch, and a file still as the journal
 * recorded it is not read again. Changes nothing in the Maildir.
 */
export async function verifyUser(job: UserJob): Promise<VerifyReport> {
  const context: ErrorContext = { user: job.user, folder: 'INBOX' };
  const ownerUid = await ownerOf(job.maildir, context);
  const holder = await importHolding(job.maildir, context);
  if (holder)
    throw new ImportRunning(
      `an import is running on this Maildir (${job.maildir}: ${holder}); nothing was compared, verify it when the import is done`,
      { user: job.user },
    );
  // The binary runs before the scan: should it move files (new/ to cur/) the scan still finds them by UIDL.
  const run = job.qmailPop3d ? await runQmailPop3d(job.qmailPop3d, job.maildir, context) : undefined;
  // The Maildir, the source's POP3 and the source's IMAP do not wait for each other.
  const records = importRecords(job, context);
  const here = records.then((recordOf) => listHere(job.maildir, run, recordOf('INBOX'), context));
  const pop3 = readPop3(job, here, context);
  const [recordOf, { entries, model, local }, { source, contentDiffers, contentChecked }, { sourceFolders, imapUids }] =
    await allInOrder([records, here, pop3, readImap(job, here, pop3, context)]);
  const inboxRecord = recordOf('INBOX');
  // The directory names import chose for the box's IMAP server (src/maildir/folder-name.ts).
  const encoding = folderNameEncodingOf(resolveImapServer(job.imapServer, job.maildir).server);
  const folders = await checkFolders(sourceFolders, job.maildir, entries, recordOf, context, encoding);
  const exact = compareListings(source, local);
  const { diff, since } = inboxRecord
    ? classifyInbox(exact, new Set(source.map((m) => m.uidl)), entries, inboxRecord)
    : { diff: exact, since: undefined };
  // Files delivered here since the import are qmail-local's business: only ours must be in order.
  const ours = (name: string) => !inboxRecord || inboxRecord.written.has(uidlOfName(name));

  return {
    kind: 'verify',
    user: job.user,
    maildir: job.maildir,
    listedBy: job.qmailPop3d ? `qmail-pop3d ${job.qmailPop3d}` : 'model',
    sourceMessages: source.length,
    localMessages: local.length,
    strict: !inboxRecord,
    diff,
    ...(since ? { sinceImport: sumSince(since, folders) } : {}),
    folders,
    imapUids,
    contentChecked,
    contentDiffers,
    equalMtimes: model.ties
      .filter((group) => group.some((e) => ours(e.name)))
      .map((group) => group.map((e) => uidlOfName(e.name))),
    futureMtimes: model.invisible.filter((e) => ours(e.name)).map((e) => `${e.dir}/${e.name}`),
    badPermissions: entries
      .filter((e) => !permissionsOk(e, ownerUid))
      .map((e) => ({ file: `${e.dir}/${e.name}`, uid: e.uid, mode: e.mode.toString(8).padStart(4, '0') })),
  };
}

interface InboxHere {
  entries: ScannedEntry[];
  model: Pop3dListing;
  byUidl: Map<string, MaildirEntry>;
  /** What qmail-pop3d lists (run, or modelled), with CRLF sizes. */
  local: LocalListed[];
}

/** The INBOX as qmail-pop3d lists it: the real binary's listing when it ran, the model's otherwise. */
async function listHere(
  maildir: string,
  run: Pop3dRun | undefined,
  record: ImportRecord | undefined,
  context: ErrorContext,
): Promise<InboxHere> {
  const entries = await scanMaildir(maildir, true, context);
  const model = listLikeQmailPop3d(entries, Math.floor(Date.now() / 1000));
  const byUidl = new Map(entries.map((e) => [uidlOfName(e.name), e]));
  const listed = run
    ? joinUidlAndList(run.uidl, run.list).map((m) => ({ ...m, entry: byUidl.get(m.uidl) }))
    : model.messages;
  return { entries, model, byUidl, local: await crlfSizesOf(maildir, listed, record, context) };
}

/** The source's POP3 listing and, with --content, the sampled messages compared byte for byte. */
function readPop3(job: UserJob, here: Promise<InboxHere>, context: ErrorContext) {
  return withPop3Session(job.pop3, credentialsOf(job), context, async ({ session }) => {
    const source = joinUidlAndList(await session.uidl(), await session.list());
    const { byUidl } = await here;
    // A repeat of a UIDL is not the message in that UIDL's file: only first occurrences are sampled.
    const common = splitSharedUidls(source).first.filter((m) => byUidl.has(m.uidl));
    const sample = job.content ? pickSample(common.length, job.content).map((i) => common[i] as Pop3Message) : [];
    const contentDiffers: string[] = [];
    for (const m of sample) {
      const e = byUidl.get(m.uidl) as MaildirEntry;
      if ((await hashPop3Message(session, m.n, m.size)) !== (await hashFile(path.join(job.maildir, e.dir, e.name))))
        contentDiffers.push(m.uidl);
    }
    return { source, contentDiffers, contentChecked: sample.length };
  });
}

/** Each selected source folder read once over IMAP while the box's IMAP server views the Maildir;
 *  the INBOX once the POP3 session has ended (src/verify/source-folders.ts). */
async function readImap(job: UserJob, here: Promise<unknown>, pop3: Promise<unknown>, context: ErrorContext) {
  const imap = await openImap(job.imap, credentialsOf(job), context);
  const wanted = (f: SourceFolder) => folderWanted(job, f.path) && !outsideNamespaces(job, f);
  const selected = await listSelectedFolders(imap, wanted, context).catch(async (err: unknown) => {
    await closeImap(imap);
    throw err;
  });
  const reading = readSourceFolders(imap, selected, job.strict, context, pop3).finally(() => closeImap(imap));
  // The box's server only once the scan found a Maildir: Dovecot would make cur/, new/ and tmp/
  // in a directory that is not one, and verify changes nothing.
  const box = here.then(() =>
    checkImapUids(selected, reading, job.maildir, job.imapServer, context, job.courierImapd, job.strict),
  );
  const [sourceFolders, imapUids] = await allInOrder([reading, box]);
  return { sourceFolders, imapUids };
}

/**
 * Waits for every one, then throws the first failure in the order given (the order the steps
 * used to run in, so the same fault wins): none is left running unwatched.
 */
async function allInOrder<T extends readonly unknown[]>(all: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(all);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Per folder, what the import wrote and when it last wrote; undefined for all with --strict or without a journal. */
async function importRecords(
  job: UserJob,
  context: ErrorContext,
): Promise<(folder: string) => ImportRecord | undefined> {
  const lastImportSec = job.strict ? undefined : await lastWrittenSec(job.maildir, context);
  if (lastImportSec === undefined) return () => undefined;
  return recordsByFolder(await readJournal(job.maildir, context, { hashes: false }), lastImportSec);
}

/** INBOX by its POP3 listing, every other folder by its IMAP UIDs: the account's normal life in one count. */
function sumSince(inbox: SinceImport, folders: readonly FolderCheck[]): SinceImportReport {
  const others = folders.filter((f) => f.name.toUpperCase() !== 'INBOX' && f.sinceImport);
  const count = (pick: (s: SinceCounts) => number) =>
    others.reduce((n, f) => n + pick(f.sinceImport as SinceCounts), 0);
  return {
    newHere: inbox.newHere.length + count((s) => s.newHere),
    deletedHere: inbox.deletedHere.length + count((s) => s.deletedHere),
    goneFromSource: inbox.goneFromSource.length + count((s) => s.goneFromSource),
    overMaxSize: inbox.overMaxSize.length + count((s) => s.overMaxSize),
    inbox,
  };
}

function permissionsOk(e: ScannedEntry, ownerUid: number): boolean {
  return e.uid === ownerUid && (e.mode & 0o177) === 0;
}

async function ownerOf(maildir: string, context: ErrorContext): Promise<number> {
  return (await fsCall(() => fs.stat(maildir), 'stat', maildir, context)).uid;
}
