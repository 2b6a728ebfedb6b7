import { describe, expect, it } from 'vitest';
import { encodeMutf7, maildirFolderFor } from '../../src/maildir/folder-name.js';

describe('encodeMutf7 (RFC 3501 5.1.3)', () => {
  it.each([
    ['Sent', 'Sent'],
    ['A&B', 'A&-B'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['台北', '&U,BTFw-'],
    ['~peter/mail/日本語/台北', '~peter/mail/&ZeVnLIqe-/&U,BTFw-'],
    ['😀', '&2D3eAA-'],
  ])('%s → %s', (name, encoded) => expect(encodeMutf7(name)).toBe(encoded));
});

describe('maildirFolderFor', () => {
  it('maps levels to a Maildir++ directory', () => {
    expect(maildirFolderFor(['Sent'])).toEqual({ ok: true, dir: '.Sent', virtualName: 'Sent' });
    expect(maildirFolderFor(['Archive', '2019'])).toEqual({
      ok: true,
      dir: '.Archive.2019',
      virtualName: 'Archive.2019',
    });
    expect(maildirFolderFor(['Entwürfe', 'Alt Kram'])).toEqual({
      ok: true,
      dir: '.Entw&APw-rfe.Alt Kram',
      virtualName: 'Entw&APw-rfe.Alt Kram',
    });
  });

  it('drops the INBOX. prefix of Courier-style namespaces', () => {
    expect(maildirFolderFor(['INBOX', 'Sent'])).toMatchObject({ dir: '.Sent' });
    expect(maildirFolderFor(['INBOX'])).toEqual({ ok: false, reason: 'is the INBOX' });
  });

  it('renames a dot inside a level, and says so', () => {
    expect(maildirFolderFor(['Project v1.2'])).toEqual({
      ok: true,
      dir: '.Project v1_2',
      virtualName: 'Project v1_2',
      renamed: 'Project v1.2',
    });
  });

  it.each([[['..']], [['a', '']], [['a/b']], [['bad\nname']], [['.']]])('refuses %j', (parts) => {
    expect(maildirFolderFor(parts).ok).toBe(false);
  });
});
