import { describe, expect, it } from 'vitest';
import { emptyFolderReport, emptyPop3Report } from '../../src/import/folder-counts.js';
import { nextMarks } from '../../src/jobs/next-marks.js';
import type { FolderReport } from '../../src/report/types.js';
import type { FolderMark } from '../../src/state/folder-marks.js';

const status = (messages: number) => ({ uidValidity: '7', uidNext: messages + 1, messages });
const history = { movedByContent: 0, keptDeleted: 0, goneFromSource: [], goneDeleted: false };

const report = (name: string, over: Partial<FolderReport> = {}): FolderReport => ({
  ...emptyFolderReport(name),
  imapMessages: 3,
  toWrite: 3,
  written: 3,
  history,
  ...over,
});

const pop3 = { ...emptyPop3Report('auto'), pop3Messages: 3, uidlsKept: 3 };

describe('the marks for the next run', () => {
  it('marks a folder done cleanly with the STATUS it had before this run read it; the INBOX with its UIDL count', () => {
    const next = nextMarks(new Map(), [
      { report: report('INBOX', { pop3 }), status: status(3) },
      { report: report('Sent'), status: status(5) },
    ]);
    expect(next.get('INBOX')).toEqual({ ...status(3), pop3Messages: 3, uidlsKept: 3 });
    expect(next.get('Sent')).toEqual(status(5));
  });

  it('takes the mark away from a folder read this run that is not done, so the next run reads it', () => {
    const old = new Map<string, FolderMark>(
      ['INBOX', 'Sent', 'Drafts', 'Big', 'Gone', 'Failed'].map((n) => [n, status(1)]),
    );
    const next = nextMarks(old, [
      // A UIDL not kept: the next run must try again.
      { report: report('INBOX', { pop3: { ...pop3, outOfOrder: ['u1'] } }), status: status(3) },
      { report: report('Sent', { errors: ['uid 2: link failed'] }), status: status(3) },
      { report: report('Drafts', { error: 'stopped by request', stopped: true }), status: status(3) },
      // Waiting for a run without --max-size, or with --delete.
      { report: report('Big', { overMaxSize: [{ uid: 1, size: 9 }] }), status: status(3) },
      { report: report('Gone', { history: { ...history, goneFromSource: ['new/x'] } }), status: status(3) },
      { report: report('Failed', { error: 'cannot map' }) },
    ]);
    expect([...next.keys()]).toEqual([]);
  });

  it('marks a folder whose gone files --delete removed, and leaves marks of folders not read alone', () => {
    const old = new Map<string, FolderMark>([
      ['Sent', status(9)],
      ['Archive', status(4)],
    ]);
    const next = nextMarks(old, [
      { report: report('Sent', { unchanged: true }) },
      {
        report: report('Trash', { history: { ...history, goneFromSource: ['new/x'], goneDeleted: true } }),
        status: status(2),
      },
    ]);
    expect(Object.fromEntries(next)).toEqual({ Sent: status(9), Archive: status(4), Trash: status(2) });
  });
});
