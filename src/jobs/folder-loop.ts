import { FolderError } from '../errors.js';
import { folderNameEncodingOf, maildirFolderFor } from '../maildir/folder-name.js';
import { emptyFolderReport, emptyPop3Report } from '../import/folder-counts.js';
import type { FolderTarget } from '../import/folder-import.js';
import type { FolderReport } from '../report/types.js';
import type { SourceFolder } from '../source/imap.js';
import { INBOX } from '../source/listed-name.js';
import { unchangedSince, type FolderMark, type FolderStatus } from '../state/folder-marks.js';
import { folderWanted, outsideNamespaces, type UserJob } from '../user-job.js';

/** One folder's report, and its STATUS when this run listed it (what the next mark is made of). */
export interface FolderResult {
  report: FolderReport;
  status?: FolderStatus;
}

/** Every folder's report, INBOX first; after a stop, the folders not started; the Maildir++ names to subscribe. */
export interface FoldersDone {
  results: FolderResult[];
  notStarted: string[];
  subscribe: string[];
}

/** Imports one folder; a FolderError fails that folder alone, anything else ends the user's run. */
export type ImportOne = (target: FolderTarget) => Promise<FolderReport>;

/**
 * The INBOX, then every other selectable folder the job wants, each into its place on the box. A
 * folder whose STATUS equals its mark is not read; one that cannot be mapped or written gets its
 * own error and the others go on; a stop ends the loop after its folder. No I/O of its own: the
 * folder's import is handed in.
 */
export async function importFolders(
  job: UserJob,
  listed: readonly SourceFolder[],
  marks: ReadonlyMap<string, FolderMark>,
  importOne: ImportOne,
): Promise<FoldersDone> {
  const results: FolderResult[] = [];
  const inbox = listed.find((f) => isInbox(f)) ?? INBOX;
  const queue: (SourceFolder | typeof INBOX)[] = [inbox, ...listed.filter((f) => wanted(job, f))];
  const dirs = new Map<string, string>();
  const subscribe: string[] = [];
  let next = 0;
  while (next < queue.length && !results.at(-1)?.report.stopped) {
    const folder = queue[next++] as SourceFolder | typeof INBOX;
    const skipped = 'namespace' in folder && outsideNamespaces(job, folder);
    if (skipped) {
      results.push({ report: { ...emptyFolderReport(folder.path), skipped } });
      continue;
    }
    const placed = placeOf(job, folder, dirs);
    // The INBOX's report always has its POP3 section, even when no POP3 step ran.
    const pop3 = placed.ok && placed.target.dirName === '' ? { pop3: emptyPop3Report(job.uidl) } : {};
    const base = { ...emptyFolderReport(folder.path), ...pop3 };
    if (!placed.ok) {
      results.push({ report: { ...base, ...placed.dir, error: placed.error } });
      continue;
    }
    const { target, renamed } = placed;
    const dir = target.dirName === '' ? {} : { dir: target.dirName };
    const status = 'status' in folder ? folder.status : undefined;
    const mark = marks.get(folder.path);
    if (mark && unchangedSince(mark, status)) {
      results.push({ report: { ...unchangedReport(base, mark), ...dir, ...renamed } });
    } else {
      try {
        const report = await importOne(target);
        results.push({ report: { ...report, ...renamed }, ...(status ? { status } : {}) });
      } catch (err) {
        if (!(err instanceof FolderError)) throw err;
        results.push({ report: { ...base, ...dir, error: err.detail } });
        continue;
      }
    }
    // Subscribed only once it is here: a folder deleted or renamed at the source since LIST is not.
    if (placed.subscribeAs !== undefined) subscribe.push(placed.subscribeAs);
  }
  const notStarted = queue.slice(next).filter((f) => !('namespace' in f && outsideNamespaces(job, f)));
  return { results, notStarted: notStarted.map((f) => f.path), subscribe };
}

function wanted(job: UserJob, f: SourceFolder): boolean {
  return f.selectable && !isInbox(f) && folderWanted(job, f.path);
}

function isInbox(f: { path: string }): boolean {
  return f.path.toUpperCase() === 'INBOX';
}

type Placed =
  | { ok: true; target: FolderTarget; renamed: { renamedFrom?: string }; subscribeAs?: string }
  | { ok: false; error: string; dir: { dir?: string } };

/** Where a folder goes: the Maildir itself for the INBOX, else its Maildir++ folder, unless the
 *  name cannot become one or another folder already took it. */
function placeOf(job: UserJob, folder: SourceFolder | typeof INBOX, dirs: Map<string, string>): Placed {
  if (!('parts' in folder) || isInbox(folder))
    return { ok: true, target: { folder, dirName: '', mailbox: 'INBOX' }, renamed: {} };
  const mapping = maildirFolderFor(folder.parts, folderNameEncodingOf(job.imapServer));
  if (!mapping.ok) return { ok: false, error: `cannot become a Maildir++ folder: name ${mapping.reason}`, dir: {} };
  const clash = dirs.get(mapping.dir);
  if (clash !== undefined)
    return { ok: false, error: `maps to ${mapping.dir} like folder ${clash}; not imported`, dir: { dir: mapping.dir } };
  dirs.set(mapping.dir, folder.path);
  // doveadm takes the name in UTF-8; its directory is the same one (Dovecot stores it in modified UTF-7).
  const utf8 = maildirFolderFor(folder.parts, 'utf8');
  return {
    ok: true,
    target: { folder, dirName: mapping.dir, mailbox: utf8.ok ? utf8.virtualName : mapping.dir.slice(1) },
    renamed: mapping.renamed ? { renamedFrom: mapping.renamed } : {},
    ...(folder.subscribed ? { subscribeAs: mapping.virtualName } : {}),
  };
}

/** A folder skipped because STATUS matched its mark: what the run that set the mark found. */
function unchangedReport(base: FolderReport, mark: FolderMark): FolderReport {
  const kept = mark.uidlsKept ?? 0;
  const matchedBy: Record<string, number> = kept ? { 'an earlier run': kept } : {};
  const pop3 = base.pop3 && {
    pop3: { ...base.pop3, pop3Messages: mark.pop3Messages ?? 0, uidlsKept: kept, matchedBy },
  };
  const n = mark.messages;
  return { ...base, uidValidity: mark.uidValidity, imapMessages: n, alreadyPresent: n, unchanged: true, ...pop3 };
}
