import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeAccount, ownSource, sampleMessages, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { inboxFiles, sourceBytesByUid } from '../support/inbox-bytes.js';
import { sourcePop3Listing } from '../support/source-listing.js';

/**
 * Makes Dovecot number the INBOX afresh, as a server that lost its UID list does: the first
 * message is removed, then the UID list and the indexes.
 */
function renumberAfterRemovingFirst(a: Account): void {
  const src = a.server.maildirOf(a.user);
  const files = ['new', 'cur'].flatMap((sub) => fs.readdirSync(path.join(src, sub)).map((f) => path.join(src, sub, f)));
  const first = files.sort((x, y) => path.basename(x).localeCompare(path.basename(y)))[0] as string;
  fs.unlinkSync(first);
  for (const f of fs.readdirSync(src)) if (f.startsWith('dovecot')) fs.rmSync(path.join(src, f), { force: true });
}

describe('a source whose UIDLs carry no UIDVALIDITY (%u) renumbers its INBOX', () => {
  const sourceServer = ownSource({ uidlFormat: '%u' });

  it('puts each message under its new UIDL, copies included, and removes only what the source deleted', async () => {
    const mail = sampleMessages({ count: 5, seed: 16 });
    // Messages 4 and 5 are byte-identical copies (a message saved twice).
    const a = await makeAccount(sourceServer(), [...mail.slice(0, 4), { ...(mail[3] as (typeof mail)[number]) }]);
    const first = await runCli(['import', ...a.args, '--security', 'tls']);
    expect(first.code, first.stderr).toBe(0);
    expect([...inboxFiles(a.maildir).keys()].sort()).toEqual(['1', '2', '3', '4', '5']);

    renumberAfterRemovingFirst(a);
    // A new UIDVALIDITY is taken from the clock: let it differ from the first one.
    await new Promise((r) => setTimeout(r, 1100));
    const source = await sourceBytesByUid(a);
    expect([...source.keys()]).toEqual([1, 2, 3, 4]);

    const second = await runCli(['import', ...a.args, '--delete', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const inbox = JSON.parse(second.stdout).users[0].inbox;
    // Every file we wrote earlier was a candidate; four held the bytes of today's messages.
    expect(inbox.history.movedByContent).toBe(4);
    expect(inbox.written).toBe(0);
    expect(inbox.history.goneFromSource).toHaveLength(1);
    expect(inbox.history.goneDeleted).toBe(true);

    // Exactly the source's messages, each under the UIDL the source gives it now, bytes for bytes.
    const files = inboxFiles(a.maildir);
    expect([...files.keys()].sort()).toEqual(['1', '2', '3', '4']);
    for (const [uid, bytes] of source) expect(files.get(String(uid))?.equals(bytes), `uidl ${uid}`).toBe(true);
    const listing = await sourcePop3Listing(a);
    expect(listing.uidl.map((u) => u.uidl)).toEqual(['1', '2', '3', '4']);

    // And a run with nothing new changes nothing.
    const third = await runCli(['import', ...a.args, '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout).users[0].inbox).toMatchObject({ written: 0, alreadyPresent: 4 });
    expect(inboxFiles(a.maildir)).toEqual(files);
  });
});

describe('a delta on a source whose UIDLs need header matching (%g)', () => {
  const sourceServer = ownSource({ uidlFormat: '%g' });

  it('does not match again what an earlier run matched, only the new message', async () => {
    const a = await makeAccount(sourceServer(), sampleMessages({ count: 12, seed: 5 }));
    const first = await runCli(['import', ...a.args, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const before = JSON.parse(first.stdout).users[0].inbox.pop3.matchedBy;
    expect(before['an earlier run']).toBeUndefined();

    const { seedMailbox } = await import('../../scripts/lib/seed.js');
    await seedMailbox(sourceServer(), a.user, a.password, sampleMessages({ count: 1, seed: 99 }));
    const delta = await runCli(['import', ...a.args, '--json']);
    expect(delta.code, delta.stderr).toBe(0);
    const inbox = JSON.parse(delta.stdout).users[0].inbox;
    expect(inbox.pop3.matchedBy['an earlier run']).toBe(12);
    expect(inbox.pop3.uidlsKept).toBe(13);
    expect(inbox.written).toBe(1);
  });
});
