import { describe, expect, it } from 'vitest';
import { ContentKey } from '../../src/uidl/content-key.js';

/** The key of `text` fed in blocks of `size` bytes. */
function keyOf(text: string, size = Infinity): string {
  const key = new ContentKey();
  const bytes = Buffer.from(text, 'latin1');
  const step = Math.min(size, bytes.length || 1);
  for (let at = 0; at < bytes.length; at += step) key.update(bytes.subarray(at, at + step));
  return key.digest();
}

describe('ContentKey', () => {
  const imap = 'From: a@x\nSubject: hi\n there\n\nbody\nStatus: RO\n';
  const pop3 =
    'X-IMAPbase: 1 9\nFrom: a@x\nStatus: RO\nX-Status: A\n  continued\nSubject: hi\n there\nX-UID: 4\n\nbody\nStatus: RO\n';

  it('is the same when only the header fields a server adds per protocol differ, split at any byte', () => {
    for (const size of [1, 2, 3, 7, 1000]) expect(keyOf(pop3, size)).toBe(keyOf(imap));
  });

  it('counts every other byte: header fields, the body (a Status line there too), the last line end', () => {
    expect(keyOf(imap)).not.toBe(keyOf(imap.replace('Subject: hi', 'Subject: ho')));
    expect(keyOf(imap)).not.toBe(keyOf(imap.replace('\nStatus: RO\n', '\n')));
    expect(keyOf(imap)).not.toBe(keyOf(imap.slice(0, -1)));
  });

  it('takes a message that is all header, without a final line end, the same on both sides', () => {
    expect(keyOf('From: a@x\nX-UID: 3\nSubject: s', 4)).toBe(keyOf('From: a@x\nSubject: s'));
  });
});
