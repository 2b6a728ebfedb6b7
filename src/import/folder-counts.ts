import type { FolderOutcome } from './folder-session.js';
import type { FolderPlan } from '../plan/folder.js';
import type { HistoryReport, OverMaxSize } from '../report/types.js';

/** A folder's numbers as both reports print them: decided by the plan, done by the write session
 *  (absent in a dry run, where nothing is done). Each message is counted once. */
export interface FolderCounts {
  /** Messages the plan writes, and the bytes the source announced for them (CRLF: a little more
   *  than lands on disk). */
  toWrite: number;
  bytesToWrite: number;
  /** Of those, linked as new files, and their stored bytes. */
  written: number;
  writtenBytes: number;
  /** Already there as planned, or there with flags to add. */
  alreadyPresent: number;
  reflagged: number;
  errors: string[];
  /** Messages written whose NUL bytes, if the source has any, may be 0x80 here (src/source/imap-bodies.ts). */
  notExact: string[];
  history: HistoryReport;
  /** Messages above --max-size, not written. */
  overMaxSize: OverMaxSize[];
}

export function folderCounts(plan: FolderPlan, outcome: FolderOutcome | undefined): FolderCounts {
  const count = (...actions: string[]) => plan.messages.filter((m) => actions.includes(m.action)).length;
  return {
    toWrite: count('write'),
    bytesToWrite: plan.messages.reduce((n, m) => n + (m.action === 'write' && Number.isFinite(m.size) ? m.size : 0), 0),
    written: outcome?.written ?? 0,
    writtenBytes: outcome?.writtenBytes ?? 0,
    alreadyPresent: count('present', 'reflag'),
    reflagged: outcome?.reflagged ?? 0,
    errors: outcome?.errors ?? [],
    notExact: outcome?.notExact ?? [],
    history: {
      ...(plan.uidValidityChangedFrom !== undefined ? { uidValidityChangedFrom: plan.uidValidityChangedFrom } : {}),
      movedByContent: outcome?.renamedByContent ?? 0,
      keptDeleted: count('deleted-here'),
      goneFromSource:
        outcome?.goneFromSource ?? plan.earlier.filter((e) => !e.heldBack).map((e) => `${e.dir}/${e.file}`),
      goneDeleted: outcome?.goneDeleted ?? false,
    },
    overMaxSize: plan.messages
      .filter((m) => m.action === 'too-big')
      .map((m) => ({
        ...(m.uid !== undefined ? { uid: m.uid } : {}),
        ...(m.uidl !== undefined ? { uidl: m.uidl } : {}),
        size: m.size,
      })),
  };
}
