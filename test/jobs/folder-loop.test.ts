import { describe, expect, it } from 'vitest';
import { FolderError } from '../../src/errors.js';
import { emptyFolderReport } from '../../src/import/folder-counts.js';
import type { FolderTarget } from '../../src/import/folder-import.js';
import { importFolders } from '../../src/jobs/folder-loop.js';
import type { FolderReport } from '../../src/report/types.js';
import type { SourceFolder } from '../../src/source/imap.js';
import type { FolderMark } from '../../src/state/folder-marks.js';
import type { UserJob } from '../../src/user-job.js';

const job = (over: Partial<UserJob> = {}) =>
  ({ user: 'alice', uidl: 'auto', folders: 'all', namespaces: 'personal', imapServer: 'dovecot', ...over }) as UserJob;

// Marks are only trusted with CONDSTORE's HIGHESTMODSEQ (flag changes move nothing else).
const status = (messages: number) => ({ uidValidity: '7', uidNext: messages + 1, messages, highestModseq: '9' });

const folder = (path: string, over: Partial<SourceFolder> = {}): SourceFolder => ({
  path,
  listed: path,
  parts: path.split('/'),
  selectable: true,
  subscribed: true,
  namespace: 'personal',
  status: status(3),
  ...over,
});

/** Records each folder it is handed and reports it imported, or as `outcomes` says. */
function importer(outcomes: Record<string, (t: FolderTarget) => Partial<FolderReport> | Error> = {}) {
  const seen: FolderTarget[] = [];
  const importOne = async (t: FolderTarget): Promise<FolderReport> => {
    seen.push(t);
    const out = outcomes[t.folder.path]?.(t) ?? {};
    if (out instanceof Error) throw out;
    return { ...base(t.folder.path), written: 3, ...out };
  };
  return { seen, importOne };
}

const base = (name: string): FolderReport => ({ ...emptyFolderReport(name), imapMessages: 3, toWrite: 3 });

describe('the folder loop', () => {
  it('imports the INBOX into the Maildir itself first, even when LIST did not name it, then each folder into its Maildir++ folder', async () => {
    const { seen, importOne } = importer();
    const listed = [folder('Sent'), folder('Archive/2019'), folder('Archive', { selectable: false })];
    const done = await importFolders(job(), listed, new Map(), importOne);
    expect(seen.map((t) => [t.folder.path, t.dirName, t.mailbox])).toEqual([
      ['INBOX', '', 'INBOX'],
      ['Sent', '.Sent', 'Sent'],
      ['Archive/2019', '.Archive.2019', 'Archive.2019'],
    ]);
    expect(done.results.map((r) => r.report.name)).toEqual(['INBOX', 'Sent', 'Archive/2019']);
    expect(done.subscribe).toEqual(['Sent', 'Archive.2019']);
  });

  it('reads no folder whose STATUS equals its mark, and repeats what the marking run found', async () => {
    const { seen, importOne } = importer();
    const marks = new Map<string, FolderMark>([
      ['INBOX', { ...status(3), pop3Messages: 3, uidlsKept: 3 }],
      ['Sent', status(3)],
      ['Drafts', status(1)],
    ]);
    const listed = [folder('INBOX'), folder('Sent'), folder('Drafts')];
    const done = await importFolders(job(), listed, marks, importOne);
    expect(seen.map((t) => t.folder.path)).toEqual(['Drafts']);
    const [inbox, sent] = done.results.map((r) => r.report);
    expect(inbox).toMatchObject({ unchanged: true, alreadyPresent: 3, pop3: { uidlsKept: 3, pop3Messages: 3 } });
    expect(inbox?.pop3?.matchedBy).toEqual({ 'an earlier run': 3 });
    expect(sent).toMatchObject({ unchanged: true, dir: '.Sent', alreadyPresent: 3 });
    // Unchanged is still there: it stays subscribed.
    expect(done.subscribe).toEqual(['Sent', 'Drafts']);
  });

  it('gives a folder that cannot be placed its own error and goes on with the others', async () => {
    const { seen, importOne } = importer();
    const listed = [folder('A_B'), folder('A.B'), folder('bad\u0001name'), folder('Sent')];
    const done = await importFolders(job(), listed, new Map(), importOne);
    expect(seen.map((t) => t.folder.path)).toEqual(['INBOX', 'A_B', 'Sent']);
    const errors = Object.fromEntries(done.results.map((r) => [r.report.name, r.report.error]));
    expect(errors['A.B']).toBe('maps to .A_B like folder A_B; not imported');
    expect(errors['A_B']).toBeUndefined();
    expect(errors['bad\u0001name']).toMatch(/control character/);
    expect(done.subscribe).toEqual(['A_B', 'Sent']);
  });

  it('lets a folder that fails alone fail alone, the INBOX too, and keeps the INBOX report POP3-shaped', async () => {
    const { seen, importOne } = importer({
      INBOX: () => new FolderError('POP3 refused the mailbox'),
      Sent: () => new FolderError('disk full'),
    });
    const done = await importFolders(job(), [folder('Sent'), folder('Drafts')], new Map(), importOne);
    expect(seen.map((t) => t.folder.path)).toEqual(['INBOX', 'Sent', 'Drafts']);
    const [inbox, sent, drafts] = done.results;
    expect(inbox?.report).toMatchObject({
      error: 'POP3 refused the mailbox',
      pop3: { uidlMode: 'auto', uidlsKept: 0 },
    });
    expect(sent?.report).toMatchObject({ error: 'disk full', dir: '.Sent', written: 0 });
    expect(drafts?.report.written).toBe(3);
    // A failed folder has no STATUS to be marked with, and is not subscribed: it is not here.
    expect(sent?.status).toBeUndefined();
    expect(done.subscribe).toEqual(['Drafts']);
  });

  it('ends after the folder a stop signal ended, naming the folders not started', async () => {
    const { seen, importOne } = importer({ Sent: () => ({ stopped: true, error: 'stopped by request' }) });
    const listed = [folder('Sent'), folder('Drafts'), folder('Shared/x', { namespace: 'shared' }), folder('Trash')];
    const done = await importFolders(job(), listed, new Map(), importOne);
    expect(seen.map((t) => t.folder.path)).toEqual(['INBOX', 'Sent']);
    expect(done.notStarted).toEqual(['Drafts', 'Trash']);
  });

  it('ends the whole run on anything but a folder error (a lost connection)', async () => {
    const { importOne } = importer({ Sent: () => new Error('connection lost') });
    await expect(importFolders(job(), [folder('Sent'), folder('Drafts')], new Map(), importOne)).rejects.toThrow(
      'connection lost',
    );
  });

  it('skips what the job leaves out: other namespaces named in the report, --include, --folders inbox', async () => {
    const shared = folder('Shared/team', { namespace: 'shared' });
    const listed = [shared, folder('Sent'), folder('Drafts')];
    const all = importer();
    const done = await importFolders(job(), listed, new Map(), all.importOne);
    expect(all.seen.map((t) => t.folder.path)).toEqual(['INBOX', 'Sent', 'Drafts']);
    // The INBOX's report comes first, whatever LIST put before it.
    expect(done.results.map((r) => [r.report.name, r.report.skipped !== undefined])).toEqual([
      ['INBOX', false],
      ['Shared/team', true],
      ['Sent', false],
      ['Drafts', false],
    ]);
    expect(done.results[1]?.report.skipped).toMatch(/shared namespace/);
    const included = importer();
    await importFolders(job({ include: '^Sent$' }), listed, new Map(), included.importOne);
    expect(included.seen.map((t) => t.folder.path)).toEqual(['INBOX', 'Sent']);
    const inboxOnly = importer();
    await importFolders(job({ folders: 'inbox' }), listed, new Map(), inboxOnly.importOne);
    expect(inboxOnly.seen.map((t) => t.folder.path)).toEqual(['INBOX']);
  });

  it('places folders in UTF-8 for Courier, modified UTF-7 for Dovecot', async () => {
    for (const [server, dirName] of [
      ['dovecot', '.Entw&APw-rfe'],
      ['courier', '.Entwürfe'],
    ] as const) {
      const { seen, importOne } = importer();
      await importFolders(job({ imapServer: server }), [folder('Entwürfe')], new Map(), importOne);
      expect(seen[1]).toMatchObject({ dirName, mailbox: 'Entwürfe' });
    }
  });
});
