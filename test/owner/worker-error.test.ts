import { describe, expect, it } from 'vitest';
import { errorFromWire, errorToWire } from '../../src/owner/worker-error.js';
import { exitCodeForError } from '../../src/jobs/exit-codes.js';
import { FolderError, MessageError, SourceError, UsageError } from '../../src/errors.js';
import { LoginRefused } from '../../src/source/pop3-client.js';

/** Through IPC's plain-data copy, as the worker's answer travels. */
const acrossIpc = (err: unknown) => errorFromWire(structuredClone(errorToWire(err)));

describe('errors across the worker boundary', () => {
  it('keep class, exit code, text, user, folder, message and cause', () => {
    const enospc = Object.assign(new Error('no space left'), { code: 'ENOSPC' });
    const cases: [Error & { user?: string; folder?: string; uid?: number; uidl?: string }, Function][] = [
      [new UsageError('bad', { user: 'alice' }), UsageError],
      [new SourceError('pop3 h:995: UIDL: stalled', { user: 'alice', folder: 'INBOX' }), SourceError],
      [new LoginRefused('pop3 h:995: login as alice refused: nope', { user: 'alice', folder: 'INBOX' }), SourceError],
      [new FolderError('write(tmp/x) failed: ENOSPC', { user: 'alice', folder: 'Sent', cause: enospc }), FolderError],
      [new MessageError('short', { user: 'alice', folder: 'INBOX', uid: 3, uidl: 'u3' }), MessageError],
    ];
    for (const [err, base] of cases) {
      const back = acrossIpc(err) as MessageError;
      expect(back).toBeInstanceOf(base);
      expect([back.name, back.message, back.user, back.folder, back.uid, back.uidl]).toEqual([
        err.name,
        err.message,
        err.user,
        err.folder,
        err.uid,
        err.uidl,
      ]);
      expect(exitCodeForError(back)).toBe(exitCodeForError(err));
    }
    const folder = acrossIpc(new FolderError('full', { cause: enospc }));
    expect((folder.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
  });

  it('keeps an unexpected error an Error, with its text', () => {
    const back = acrossIpc(new TypeError('x is undefined'));
    expect([back.constructor, back.name, back.message]).toEqual([Error, 'TypeError', 'x is undefined']);
  });
});
