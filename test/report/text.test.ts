import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/report/text.js';
import type { MessageId } from '../../src/report/types.js';
import { folder, importReport, verifyReport } from '../support/reports.js';

const history = (keptDeleted: MessageId[]) => ({
  movedByContent: 0,
  keptDeleted,
  goneFromSource: [],
  goneDeleted: false,
});
const inboxDeleted = Array.from({ length: 12 }, (_, i) => ({ uid: i + 1, uidl: `1700000000.${i}.oldhost` }));

describe('the import names what was deleted here as --restore takes it', () => {
  const r = importReport({}, [folder({ name: 'Old Mail', dir: '.Old Mail', history: history([{ uid: 7 }]) })]);
  r.inbox.history = history(inboxDeleted);

  it('the INBOX by UIDL, another folder as FOLDER:UID (quoted for the shell), the first ten unless --verbose', () => {
    const text = renderText(r);
    expect(text).toContain(
      'alice: 12 messages of "INBOX" deleted here since the import, not brought back (--restore with one of these brings it back):\n  1700000000.0.oldhost\n',
    );
    expect(text).toContain('  1700000000.9.oldhost\n  … and 2 more (--verbose or --json lists all)\n');
    expect(text).toContain(`alice: 1 message of "Old Mail" deleted here since the import, not brought back`);
    expect(text).toContain(`\n  'Old Mail:7'\n`);
    expect(text).not.toContain('since they were imported');
    expect(renderText(r, true)).toContain('  1700000000.11.oldhost\n');
  });
});

describe('--restore values that matched nothing', () => {
  it('are named, each with what it did not find', () => {
    const r = importReport({}, [folder({ name: 'Sent', restoreUnmatched: ['Sent:99'] })]);
    r.inbox.restoreUnmatched = ['99999.1', 'INBOX:4'];
    r.restoreNoFolder = ['Nope:3'];
    const text = renderText(r);
    expect(text).toContain(
      'alice: --restore 99999.1: nothing deleted here has that UIDL, nothing brought back for it\n',
    );
    expect(text).toContain('alice: --restore INBOX:4: nothing of "INBOX" deleted here has that UID');
    expect(text).toContain('alice: --restore Sent:99: nothing of "Sent" deleted here has that UID');
    expect(text).toContain('alice: --restore Nope:3: no folder "Nope" among those this run read');
  });
});

describe('the wording of a real run', () => {
  const sent = folder({ name: 'Sent', dir: '.Sent', toWrite: 20, written: 20 });

  it('a folder of a real run says written, of a dry run to write', () => {
    expect(renderText(importReport({}, [sent]), true)).toContain('folder "Sent" → .Sent: 20 written, 0 already there');
    const plan = { ...importReport({}, [{ ...sent, written: 0 }]), dryRun: true };
    expect(renderText(plan, true)).toContain('folder "Sent" → .Sent: 20 to write, 0 already there');
  });

  it('a run that wrote no UID list says nothing of UID lists; one that wrote one counts it', () => {
    const imapServer = { server: 'dovecot' as const, because: 'dovecot.index found' };
    expect(renderText({ ...importReport(), imapServer })).not.toContain('UID lists');
    const r = { ...importReport(), imapServer };
    r.inbox.imapUids = { server: 'dovecot', written: true, listed: 1, leftForServer: 0, serverNumbered: false };
    expect(renderText(r)).toContain('source UIDs kept for 1 message in 1 folder');
  });
});

describe('verify', () => {
  it('names each message deleted here since the import, INBOX by UIDL, folders as FOLDER:UID', () => {
    const inboxSince = { newHere: [], deletedHere: ['1700000000.3.oldhost'], goneFromSource: [], overMaxSize: [] };
    const sentSince = { newHere: 0, deletedHere: 1, goneFromSource: 0, overMaxSize: 0 };
    const r = verifyReport({
      strict: false,
      sinceImport: { ...sentSince, deletedHere: 2, inbox: inboxSince },
      folders: [
        ...verifyReport().folders,
        {
          name: 'Sent',
          dir: '.Sent',
          sourceMessages: 4,
          localMessages: 3,
          flagDiffs: {},
          sinceImport: { ...sentSince, expectedLocal: 3, deletedHereUids: [2] },
        },
      ],
    });
    expect(renderText(r)).toContain(
      'alice: 2 deleted here since the import (import --restore with one of these brings it back):\n  1700000000.3.oldhost\n  Sent:2\n',
    );
  });

  it('a failing verify says what to run next; a passing one does not', () => {
    const missing = verifyReport({ diff: { ...verifyReport().diff, missing: [{ n: 1, uidl: 'u', size: 1 }] } });
    const hint = 'alice: next: the import with the same options fetches again each file it wrote';
    expect(renderText(missing)).toContain(hint);
    expect(renderText(missing)).toContain('with --restore (a UIDL, FOLDER:UID or all)');
    expect(renderText(missing)).toContain('(qmail-import(8), REPAIR)');
    expect(renderText(verifyReport())).not.toContain('next:');
  });
});
