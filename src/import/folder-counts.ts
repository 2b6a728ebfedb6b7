import type { FolderOutcome } from './folder-outcome.js';
import type { FolderPlan } from '../plan/folder.js';
import type { FolderCounts, FolderReport, Pop3Report } from '../report/types.js';
import type { UidlMode } from '../uidl/mode.js';

/** A folder's numbers: decided by the plan, done by the write session (absent in a dry run, where
 *  nothing is done). */
export function folderCounts(
  plan: FolderPlan,
  outcome: FolderOutcome | undefined,
): FolderCounts & Required<Pick<FolderCounts, 'notExact' | 'history'>> {
  const count = (...actions: string[]) => plan.messages.filter((m) => actions.includes(m.action)).length;
  const changed = plan.messages
    .filter((m) => m.action === 'rewrite')
    .map((m) => ({
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.uidl !== undefined ? { uidl: m.uidl } : {}),
      sizeWas: m.sizeWas as number,
      size: m.size,
    }));
  return {
    toWrite: count('write'),
    bytesToWrite: plan.messages.reduce((n, m) => n + (m.action === 'write' && Number.isFinite(m.size) ? m.size : 0), 0),
    written: outcome?.written ?? 0,
    writtenBytes: outcome?.writtenBytes ?? 0,
    alreadyPresent: count('present', 'reflag', 'rewrite'),
    ...(changed.length > 0 ? { changedAtSource: changed } : {}),
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

/** The report of a folder this run did not read (left out, failed before writing, unchanged). */
export function emptyFolderReport(name: string): FolderReport {
  return {
    name,
    imapMessages: 0,
    toWrite: 0,
    bytesToWrite: 0,
    written: 0,
    writtenBytes: 0,
    alreadyPresent: 0,
    reflagged: 0,
    droppedFlags: {},
    errors: [],
    overMaxSize: [],
  };
}

/** The INBOX's POP3 section when no POP3 step ran. */
export function emptyPop3Report(uidlMode: UidlMode): Pop3Report {
  return {
    uidlMode,
    pop3Messages: 0,
    uidlsKept: 0,
    matchedBy: {},
    sharedUidls: 0,
    downloadAgain: [],
    unmatchedPop3: [],
    conflicts: [],
    outOfOrder: [],
    readWithRetr: 0,
  };
}
