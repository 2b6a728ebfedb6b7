import { describe, expect, it } from 'vitest';
import type { FolderOutcome } from '../../src/import/folder-outcome.js';
import type { FolderPlan } from '../../src/plan/folder.js';
import type { PlannedMessage } from '../../src/plan/message.js';
import { folderCounts } from '../../src/import/folder-counts.js';

const message = (uid: number, action: PlannedMessage['action']): PlannedMessage => ({
  source: 'imap',
  uid,
  size: 100,
  name: `n${uid}`,
  dir: 'new',
  file: `n${uid}`,
  mtimeSec: 1,
  droppedFlags: [],
  action,
});
const plan: FolderPlan = {
  folder: 'Archive',
  uidValidity: '2',
  messages: [
    message(1, 'write'),
    message(2, 'write'),
    message(3, 'present'),
    message(4, 'reflag'),
    message(5, 'deleted-here'),
    message(6, 'write'),
    message(7, 'too-big'),
  ],
  earlier: [
    { dir: 'cur', file: 'old:2,S', record: { folder: 'Archive', uidValidity: '1', uid: 9, name: 'old', sha256: 'x' } },
  ],
  uidValidityChangedFrom: '1',
};

describe('folderCounts', () => {
  it('in a dry run counts what the plan would do, and names the earlier files as gone from the source', () => {
    expect(folderCounts(plan, undefined)).toEqual({
      toWrite: 3,
      bytesToWrite: 300,
      written: 0,
      writtenBytes: 0,
      alreadyPresent: 2,
      reflagged: 0,
      errors: [],
      notExact: [],
      history: {
        uidValidityChangedFrom: '1',
        movedByContent: 0,
        keptDeleted: [{ uid: 5 }],
        goneFromSource: ['cur/old:2,S'],
        goneDeleted: false,
      },
      overMaxSize: [{ uid: 7, size: 100 }],
    });
  });

  it('after the write takes what was done from the outcome, and what was decided from the plan', () => {
    const outcome: FolderOutcome = {
      written: 1,
      writtenBytes: 10,
      renamedByContent: 1,
      reflagged: 1,
      errors: ['alice Archive uid 6: link failed'],
      notExact: [],
      goneFromSource: [],
      crlfSizes: new Map(),
      goneDeleted: true,
      bytes: 10,
      messages: 1,
    };
    const { uidValidityChangedFrom: _changed, ...unchanged } = plan;
    expect(folderCounts(unchanged, outcome)).toEqual({
      toWrite: 3,
      bytesToWrite: 300,
      written: 1,
      writtenBytes: 10,
      alreadyPresent: 2,
      reflagged: 1,
      errors: ['alice Archive uid 6: link failed'],
      notExact: [],
      history: { movedByContent: 1, keptDeleted: [{ uid: 5 }], goneFromSource: [], goneDeleted: true },
      overMaxSize: [{ uid: 7, size: 100 }],
    });
  });
});
