import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { FolderError, MessageError } from '../../src/errors.js';
import { deliver } from '../../src/maildir/deliver.js';
import { ensureMaildir } from '../../src/maildir/layout.js';

let maildir: string;
beforeEach(async () => {
  maildir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-deliver-')), 'Maildir');
  await ensureMaildir(maildir, {});
});

const MTIME = 1_700_000_000;
const ls = (sub: string) => fs.readdirSync(path.join(maildir, sub));

describe('deliver', () => {
  it('writes a complete message with LF line ends, mode 0600 and the planned mtime, and nothing stays in tmp/', async () => {
    await deliver(
      maildir,
      { dir: 'cur', file: 'uidl1:2,S', mtimeSec: MTIME, body: Buffer.from('Subject: a\r\n\r\nbody\r\n') },
      {},
    );
    const file = path.join(maildir, 'cur', 'uidl1:2,S');
    expect(fs.readFileSync(file, 'utf8')).toBe('Subject: a\n\nbody\n');
    const st = fs.statSync(file);
    expect([st.mode & 0o777, Math.floor(st.mtimeMs / 1000), st.nlink]).toEqual([0o600, MTIME, 1]);
    expect(ls('tmp')).toEqual([]);
  });

  it('streams a body in pieces, converting CRLF split across them', async () => {
    const pieces = ['Subject: b\r', '\n\r', '\nline\r', '\n'].map((p) => Buffer.from(p));
    await deliver(maildir, { dir: 'new', file: 'uidl2', mtimeSec: MTIME, body: Readable.from(pieces) }, {});
    expect(fs.readFileSync(path.join(maildir, 'new', 'uidl2'), 'utf8')).toBe('Subject: b\n\nline\n');
  });

  it('never overwrites an existing message: EEXIST is an error naming the message', async () => {
    fs.writeFileSync(path.join(maildir, 'new', 'taken'), 'theirs');
    const err = await deliver(
      maildir,
      { dir: 'new', file: 'taken', mtimeSec: MTIME, body: Buffer.from('ours') },
      { user: 'alice', folder: 'INBOX', uidl: 'taken' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessageError);
    expect((err as Error).message).toMatch(/^alice INBOX uidl taken: link\(.*new\/taken\) failed: EEXIST$/);
    expect(fs.readFileSync(path.join(maildir, 'new', 'taken'), 'utf8')).toBe('theirs');
    expect(ls('tmp')).toEqual([]);
  });

  it('leaves no visible or half-written file when the source connection drops mid-message', async () => {
    const dropping = new Readable({
      read() {
        this.push(Buffer.from('Subject: c\r\n\r\nfirst half\r\n'));
        this.destroy(new Error('socket hang up'));
      },
    });
    await expect(
      deliver(maildir, { dir: 'new', file: 'half', mtimeSec: MTIME, body: dropping }, {}),
    ).rejects.toBeInstanceOf(MessageError);
    expect([ls('new'), ls('cur'), ls('tmp')]).toEqual([[], [], []]);
  });
});

describe('ensureMaildir', () => {
  it('creates tmp/, new/ and cur/ with mode 0700', async () => {
    for (const d of ['', 'tmp', 'new', 'cur']) expect(fs.statSync(path.join(maildir, d)).mode & 0o777).toBe(0o700);
  });

  it.each(['cur', ''])('refuses a Maildir whose %s is a symlink', async (sub) => {
    const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-link-')), 'Maildir');
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-target-'));
    if (sub === '') fs.symlinkSync(target, root);
    else {
      fs.mkdirSync(root);
      fs.symlinkSync(target, path.join(root, sub));
    }
    await expect(ensureMaildir(root, {})).rejects.toThrow(FolderError);
    await expect(ensureMaildir(root, {})).rejects.toThrow(/is a symlink; refusing to follow it/);
    expect(fs.readdirSync(target)).toEqual([]);
  });
});
