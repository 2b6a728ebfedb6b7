import { describe, expect, it } from 'vitest';
import { folderNotRead, parseRestore, restoreIn, restoreValue, unmatchedIn } from '../../src/plan/restore.js';

describe('--restore values', () => {
  it('a value named by restoreValue is read back as the same message', () => {
    expect(parseRestore(restoreValue('INBOX', { uid: 3, uidl: '1700.1.host' }))).toEqual({ uidl: '1700.1.host' });
    expect(parseRestore(restoreValue('Old Mail', { uid: 7 }))).toEqual({ folder: 'Old Mail', uid: 7 });
    // A UIDL that reads as FOLDER:UID is named by its UID instead.
    expect(parseRestore(restoreValue('INBOX', { uid: 3, uidl: 'box:12' }))).toEqual({ folder: 'INBOX', uid: 3 });
  });

  it('those no message brought back answers are unmatched; all never is', () => {
    const requests = [
      parseRestore('1700.1.host'),
      parseRestore('99999.1'),
      parseRestore('inbox:4'),
      parseRestore('all'),
    ];
    const messages = [
      { uid: 3, uidl: '1700.1.host', restored: true as const },
      { uid: 4, uidl: '1700.2.host' },
    ];
    expect(unmatchedIn('INBOX', restoreIn(requests, 'INBOX'), messages)).toEqual(['99999.1', 'INBOX:4']);
  });

  it('FOLDER:UID naming no folder read is named, the INBOX in any case matches', () => {
    const requests = ['Nope:3', 'Sent:1', 'inbox:2', '99999.1', 'all'].map(parseRestore);
    expect(folderNotRead(requests, ['INBOX', 'Sent'])).toEqual(['Nope:3']);
  });
});
