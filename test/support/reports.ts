import { emptyPop3Report } from '../../src/report/empty-reports.js';
import type { FolderReport, ImportReport, VerifyReport } from '../../src/report/types.js';

/** Reports as a run would hand them to the text and to isClean, each part to be overridden. */

export const folder = (over: Partial<FolderReport> = {}): FolderReport => ({
  name: 'Archive',
  imapMessages: 2,
  toWrite: 2,
  written: 2,
  writtenBytes: 20,
  bytesToWrite: 0,
  alreadyPresent: 0,
  reflagged: 0,
  droppedFlags: {},
  errors: [],
  overMaxSize: [],
  ...over,
});

type InboxOver = Partial<FolderReport> & Partial<ImportReport['inbox']['pop3']>;

export const importReport = ({ errors = [], ...pop3 }: InboxOver = {}, folders = [folder()]): ImportReport => ({
  kind: 'import',
  user: 'alice',
  maildir: '/home/alice/Maildir',
  dryRun: false,
  inbox: {
    ...folder({ name: 'INBOX', imapMessages: 1, toWrite: 1, written: 1, writtenBytes: 10, errors }),
    uidValidity: '1',
    droppedFlags: { $Label1: 3 },
    history: {
      movedByContent: 0,
      keptDeleted: [
        { uid: 1, uidl: 'a' },
        { uid: 2, uidl: 'b' },
      ],
      goneFromSource: ['new/x'],
      goneDeleted: false,
    },
    pop3: {
      ...emptyPop3Report('auto'),
      pop3Messages: 1,
      uidlsKept: 1,
      ...pop3,
    },
  },
  folders,
});

export const verifyReport = (over: Partial<VerifyReport> = {}): VerifyReport => ({
  kind: 'verify',
  user: 'alice',
  maildir: '/home/alice/Maildir',
  listedBy: 'model',
  sourceMessages: 1,
  localMessages: 1,
  strict: true,
  diff: { matched: 1, sharedUidl: [], missing: [], extra: [], reordered: [], sizeDiffers: [] },
  folders: [{ name: 'INBOX', dir: '.', sourceMessages: 1, localMessages: 1, flagDiffs: {} }],
  contentChecked: 0,
  contentDiffers: [],
  equalMtimes: [],
  futureMtimes: [],
  badPermissions: [],
  ...over,
});
