import type { FolderOutcome } from './folder-outcome.js';
import type { FolderPlan } from '../plan/folder.js';
import type { PlannedMessage } from '../plan/message.js';
import type { FolderCounts, MessageId } from '../report/types.js';

/** A folder's numbers: decided by the plan, done by the write session (absent in a dry run, where
 *  nothing is done). */
export function folderCounts(
  plan: FolderPlan,
  outcome: FolderOutcome | undefined,
): FolderCounts & Required<Pick<FolderCounts, 'notExact' | 'history'>> {
  const count = (...actions: string[]) => plan.messages.filter((m) => actions.includes(m.action)).length;
  const changed = plan.messages
    .filter((m) => m.sizeWas !== undefined)
    .map((m) => ({ ...idOf(m), sizeWas: m.sizeWas as number, size: m.size }));
  // Put back is what is on disk after the run (in a plan: what will be).
  const putBack = plan.messages.filter((m) => !outcome || outcome.crlfSizes.has(m.name));
  const repaired = putBack.flatMap((m) => (m.repair !== undefined ? [{ ...idOf(m), why: m.repair }] : []));
  const restored = putBack.filter((m) => m.restored).map(idOf);
  return {
    toWrite: count('write'),
    bytesToWrite: plan.messages.reduce((n, m) => n + (m.action === 'write' && Number.isFinite(m.size) ? m.size : 0), 0),
    written: outcome?.written ?? 0,
    writtenBytes: outcome?.writtenBytes ?? 0,
    alreadyPresent: count('present', 'reflag', 'rewrite'),
    ...(changed.length > 0 ? { changedAtSource: changed } : {}),
    ...(repaired.length > 0 ? { repaired } : {}),
    ...(restored.length > 0 ? { restored } : {}),
    reflagged: outcome?.reflagged ?? 0,
    errors: outcome?.errors ?? [],
    notExact: outcome?.notExact ?? [],
    history: {
      ...(plan.uidValidityChangedFrom !== undefined ? { uidValidityChangedFrom: plan.uidValidityChangedFrom } : {}),
      movedByContent: outcome?.renamedByContent ?? 0,
      keptDeleted: plan.messages.filter((m) => m.action === 'deleted-here').map(idOf),
      goneFromSource:
        outcome?.goneFromSource ?? plan.earlier.filter((e) => !e.heldBack).map((e) => `${e.dir}/${e.file}`),
      goneDeleted: outcome?.goneDeleted ?? false,
    },
    overMaxSize: plan.messages.filter((m) => m.action === 'too-big').map((m) => ({ ...idOf(m), size: m.size })),
  };
}

function idOf(m: PlannedMessage): MessageId {
  return { ...(m.uid !== undefined ? { uid: m.uid } : {}), ...(m.uidl !== undefined ? { uidl: m.uidl } : {}) };
}
