import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeImapUidState } from '../../src/maildir/imap-uid-state.js';

function maildirWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-uidstate-'));
  for (const sub of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(dir, sub));
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), body, { mode: 0o600 });
  return dir;
}

const state = {
  uidValidity: '1700000000',
  uidNext: 12,
  messages: [
    { uid: 4, name: 'one' },
    { uid: 9, name: 'two' },
  ],
  earlier: [],
};

describe('writeImapUidState on a Maildir', () => {
  it("Dovecot: writes the list 0600 and resets Dovecot's caches; names stay as the plan made them", async () => {
    const dir = maildirWith({
      'cur/one:2,PSa': 'x',
      'new/two': 'y',
      'new/foreign': 'z',
      'dovecot.index.log': '',
      'dovecot.list.index.log': '',
    });
    const out = await writeImapUidState(dir, dir, 'dovecot', state, {});
    expect(out).toMatchObject({ server: 'dovecot', written: true, listed: 2, leftForServer: 1 });
    const list = fs.readFileSync(path.join(dir, 'dovecot-uidlist'), 'utf8');
    expect(list).toMatch(/^3 V1700000000 N12 G[0-9a-f]{32}\n4 :one\n9 :two\n$/);
    expect(fs.statSync(path.join(dir, 'dovecot-uidlist')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('dovecot.'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'cur'))).toEqual(['one:2,PSa']);
    expect(fs.readdirSync(path.join(dir, 'new')).sort()).toEqual(['foreign', 'two']);
    expect(fs.existsSync(path.join(dir, 'dovecot-uidlist.lock'))).toBe(false);
    // A second run finds nothing to change.
    expect((await writeImapUidState(dir, dir, 'dovecot', state, {}))?.written).toBe(false);
  });

  it('Courier: lists what is in cur/ (where the plan puts every message) in courierimapuiddb', async () => {
    const dir = maildirWith({ 'cur/one:2,S': 'x', 'cur/two:2,': 'y', 'new/foreign': 'z' });
    const out = await writeImapUidState(dir, dir, 'courier', state, {});
    expect(out).toMatchObject({ server: 'courier', written: true, listed: 2, leftForServer: 0 });
    expect(fs.readFileSync(path.join(dir, 'courierimapuiddb'), 'utf8')).toBe('1 1700000000 12\n4 one\n9 two\n');
    expect(fs.readdirSync(path.join(dir, 'cur')).sort()).toEqual(['one:2,S', 'two:2,']);
    expect(fs.readdirSync(path.join(dir, 'new'))).toEqual(['foreign']);
    expect(fs.existsSync(path.join(dir, 'tmp', 'courier.lock'))).toBe(false);
  });

  it('none: touches nothing', async () => {
    const dir = maildirWith({ 'new/two': 'y' });
    expect(await writeImapUidState(dir, dir, 'none', state, {})).toBeUndefined();
    expect(fs.readdirSync(dir).sort()).toEqual(['cur', 'new', 'tmp']);
  });
});
