import { describe, expect, it } from 'vitest';
import { emptyPop3Report } from '../../src/import/folder-counts.js';
import { isClean, type FolderReport, type ImportReport, type VerifyReport } from '../../src/report/types.js';

const folder = (over: Partial<FolderReport> = {}): FolderReport => ({
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
const importReport = ({ errors = [], ...pop3 }: InboxOver = {}, folders = [folder()]): ImportReport => ({
  kind: 'import',
  user: 'alice',
  maildir: '/home/alice/Maildir',
  dryRun: false,
  inbox: {
    ...folder({ name: 'INBOX', imapMessages: 1, toWrite: 1, written: 1, writtenBytes: 10, errors }),
    uidValidity: '1',
    droppedFlags: { $Label1: 3 },
    history: { movedByContent: 0, keptDeleted: 2, goneFromSource: ['new/x'], goneDeleted: false },
    pop3: {
      ...emptyPop3Report('auto'),
      pop3Messages: 1,
      uidlsKept: 1,
      ...pop3,
    },
  },
  folders,
});
const verifyReport = (over: Partial<VerifyReport> = {}): VerifyReport => ({
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

describe('isClean, import', () => {
  it('is clean with dropped flags, kept deletions and files gone from the source: those are reported, not faults', () => {
    expect(isClean(importReport())).toBe(true);
  });

  it.each([
    ['an INBOX error', { errors: ['alice INBOX uid 3: link failed'] }],
    ['a conflict', { conflicts: ['x'] }],
    ['a message out of order', { outOfOrder: ['u'] }],
    ['a message to be downloaded again', { downloadAgain: [{ uid: 1, reason: 'shared UIDL' }] }],
    ['an unmatched POP3 message', { unmatchedPop3: [{ n: 1, uidl: 'u', reason: 'no IMAP message' }] }],
  ])('is not clean with %s', (_what, inbox) => {
    expect(isClean(importReport(inbox))).toBe(false);
  });

  it('is not clean when a folder failed or one of its messages did', () => {
    expect(isClean(importReport({}, [folder(), folder({ error: 'cannot map' })]))).toBe(false);
    expect(isClean(importReport({}, [folder({ errors: ['one message'] })]))).toBe(false);
  });
});

describe('isClean, verify', () => {
  it('is clean when the listings, folders and files agree', () => {
    expect(isClean(verifyReport())).toBe(true);
    expect(isClean(verifyReport({ imapUids: { server: 'dovecot', folders: 1, exact: true, differences: [] } }))).toBe(
      true,
    );
  });

  const diff = verifyReport().diff;
  const faults: [string, Partial<VerifyReport>][] = [
    [
      'a source message under a UIDL an earlier one has',
      { diff: { ...diff, sharedUidl: [{ n: 2, uidl: 'u', size: 1 }] } },
    ],
    ['a missing message', { diff: { ...diff, missing: [{ n: 1, uidl: 'u', size: 1 }] } }],
    ['an extra message', { diff: { ...diff, extra: [{ n: 2, uidl: 'v', sizeCrlf: 1 }] } }],
    ['a reordered message', { diff: { ...diff, reordered: [{ uidl: 'u', sourceN: 1, localN: 2 }] } }],
    [
      'a size difference',
      { diff: { ...diff, sizeDiffers: [{ uidl: 'u', localN: 1, sourceSize: 2, localSizeCrlf: 3 }] } },
    ],
    ['different content', { contentDiffers: ['u'] }],
    ['equal mtimes', { equalMtimes: [['u', 'v']] }],
    ['a future mtime', { futureMtimes: ['new/u'] }],
    ['a bad permission', { badPermissions: [{ file: 'new/u', uid: 0, mode: '0644' }] }],
    [
      'a folder count that differs',
      { folders: [{ name: 'A', dir: '.A', sourceMessages: 2, localMessages: 1, flagDiffs: {} }] },
    ],
    ['a missing folder', { folders: [{ name: 'A', dir: '.A', sourceMessages: 0, flagDiffs: {} }] }],
    [
      'flags that differ',
      { folders: [{ name: 'A', dir: '.A', sourceMessages: 1, localMessages: 1, flagDiffs: { '\\Seen': [1, 0] } }] },
    ],
    [
      'an IMAP UID difference',
      { imapUids: { server: 'dovecot', folders: 1, exact: true, differences: ['INBOX uid 3'] } },
    ],
  ];
  it.each(faults)('is not clean with %s', (_what, over) => {
    expect(isClean(verifyReport(over))).toBe(false);
  });
});
