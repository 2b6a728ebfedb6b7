import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedFolders } from '../../scripts/lib/seed.js';
import type { FolderReport } from '../../src/report/types.js';
import { makeAccount, plainArgs, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { doveadm } from '../support/doveadm.js';
import { startPop3Proxy } from '../support/quirk-proxy.js';

// A delta reads of a folder only what changed since the snapshot the last run kept
// (docs/journal.md, "The source's snapshots"); what the user finds must be as after a full read.

const dove = (a: Account, ...args: string[]) => doveadm(a.server, args);

async function importRun(a: Account, ...extra: string[]): Promise<Record<string, FolderReport>> {
  return importWith(a.args, ...extra);
}

async function importWith(args: string[], ...extra: string[]): Promise<Record<string, FolderReport>> {
  const run = await runCli(['import', ...args, '--json', ...extra]);
  expect(run.code, run.stderr).toBe(0);
  const user = JSON.parse(run.stdout).users[0] as { inbox: FolderReport; folders: FolderReport[] };
  return Object.fromEntries([user.inbox, ...user.folders].map((f) => [f.name, f]));
}

/** The folder's message files: name up to ':' → the flags after ':2,'. */
function files(a: Account, dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const sub of ['cur', 'new'])
    for (const name of fs.readdirSync(path.join(a.maildir, dir, sub))) {
      const [base, info] = name.split(':');
      out.set(base as string, info?.replace(/^2,/, '') ?? '');
    }
  return out;
}

describe('a delta of a folder read before', () => {
  it('reads only the changes: new mail and flags set at the source since arrive, nothing twice; an expunge since reads the folder in full', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 2, seed: 250 }));
    const plain = (count: number, seed: number) =>
      sampleMessages({ count, seed }).map((m) => ({ ...m, flags: [] as string[] }));
    await seedFolders(a.server, a.user, a.password, [
      { path: 'Sent', messages: plain(4, 251), subscribed: true },
      { path: 'Archive', messages: plain(3, 252), subscribed: true },
    ]);
    const first = await importRun(a, '--create');
    expect(first['Sent']?.read).toBe('full');
    expect(files(a, '.Sent').size).toBe(4);

    // Since: a new message and a flag set at the source in Sent; one expunged and one new in Archive.
    await doveadm(a.server, ['save', '-u', a.user, '-m', 'Sent'], plain(1, 253)[0]!.raw);
    await dove(a, 'flags', 'add', '-u', a.user, '\\Flagged', 'mailbox', 'Sent', 'uid', '2');
    await dove(a, 'expunge', '-u', a.user, 'mailbox', 'Archive', 'uid', '1');
    await doveadm(a.server, ['save', '-u', a.user, '-m', 'Archive'], plain(1, 254)[0]!.raw);

    const delta = await importRun(a);
    expect(delta['Sent']).toMatchObject({ read: 'changes', imapMessages: 5, written: 1, reflagged: 1 });
    const sent = files(a, '.Sent');
    expect(sent.size).toBe(5);
    expect([...sent.values()].filter((f) => f.includes('F'))).toHaveLength(1);
    // The count does not fit the kept snapshot plus the new mail: every message is read, as before.
    expect(delta['Archive']).toMatchObject({ read: 'full', imapMessages: 3, written: 1 });
    expect(delta['Archive']?.history?.goneFromSource).toHaveLength(1);
    expect(files(a, '.Archive').size).toBe(4);

    // The snapshot a read of the changes kept serves the next delta; --full reads every message.
    await dove(a, 'flags', 'add', '-u', a.user, '\\Answered', 'mailbox', 'Sent', 'uid', '5');
    const again = await importRun(a);
    expect(again['Sent']).toMatchObject({ read: 'changes', written: 0, reflagged: 1 });
    expect([...files(a, '.Sent').values()].filter((f) => f.includes('R'))).toHaveLength(1);
    await doveadm(a.server, ['save', '-u', a.user, '-m', 'Sent'], plain(1, 255)[0]!.raw);
    const full = await importRun(a, '--full');
    expect(full['Sent']).toMatchObject({ read: 'full', written: 1, alreadyPresent: 5 });
    expect(files(a, '.Sent').size).toBe(6);
  });

  it('a folder whose name leaves no room for its snapshot file is read in full each time, and imported', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 1, seed: 256 }));
    // 240 bytes: its Maildir++ directory fits NAME_MAX, "qmail-import.source" + it does not.
    const long = 'L'.repeat(240);
    await seedFolders(a.server, a.user, a.password, [
      { path: long, messages: sampleMessages({ count: 2, seed: 257 }) },
    ]);
    expect((await importRun(a, '--create'))[long]).toMatchObject({ read: 'full', written: 2 });
    await doveadm(a.server, ['save', '-u', a.user, '-m', long], sampleMessages({ count: 1, seed: 258 })[0]!.raw);
    expect((await importRun(a))[long]).toMatchObject({ read: 'full', written: 1, alreadyPresent: 2 });
  });

  it('a kept snapshot that does not fit is not trusted: the folder is read in full and the new mail arrives', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 1, seed: 259 }));
    await seedFolders(a.server, a.user, a.password, [
      { path: 'Sent', messages: sampleMessages({ count: 2, seed: 260 }) },
    ]);
    expect((await importRun(a, '--create'))['Sent']).toMatchObject({ read: 'full', written: 2 });
    const file = path.join(a.maildir, 'qmail-import.source.Sent');
    const kept = JSON.parse(fs.readFileSync(file, 'utf8'));
    const deliver = (seed: number) =>
      doveadm(a.server, ['save', '-u', a.user, '-m', 'Sent'], sampleMessages({ count: 1, seed })[0]!.raw);
    // Each time one message more, and a snapshot that is not this folder's state.
    const unfit = [
      // The source's HIGHESTMODSEQ gone back (restored from a backup under the same UIDVALIDITY).
      () => fs.writeFileSync(file, JSON.stringify({ ...kept, highestModseq: '999999999' })),
      // Another folder's, for one that now maps to the same directory.
      () => fs.writeFileSync(file, JSON.stringify({ ...kept, path: 'Old/Sent' })),
      // Something else in its place.
      () => {
        fs.rmSync(file);
        fs.mkdirSync(file);
      },
    ];
    for (const [i, spoil] of unfit.entries()) {
      await deliver(261 + i);
      spoil();
      expect((await importRun(a))['Sent'], `case ${i}`).toMatchObject({
        read: 'full',
        written: 1,
        alreadyPresent: 2 + i,
      });
    }
  });
});

describe('a delta of the INBOX read before', () => {
  const deliver = (a: Account, seed: number) =>
    doveadm(a.server, ['save', '-u', a.user, '-m', 'INBOX'], sampleMessages({ count: 1, seed })[0]!.raw);
  /** The INBOX's files by name, which is the POP3 UIDL: name → flags. */
  const inbox = (a: Account) => files(a, '');
  /** A --full run right after finds the Maildir as a full read leaves it: nothing to write or reflag. */
  async function asAfterFullRead(args: string[], messages: number): Promise<void> {
    expect((await importWith(args, '--full'))['INBOX']).toMatchObject({
      read: 'full',
      imapMessages: messages,
      written: 0,
      reflagged: 0,
      alreadyPresent: messages,
    });
  }

  it('reads only the changes: new mail arrives under its UIDL, flags set at the source since arrive', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 270 }));
    const first = await importRun(a, '--create');
    expect(first['INBOX']).toMatchObject({ read: 'full', written: 3 });
    const v = first['INBOX']!.uidValidity;

    await deliver(a, 271);
    await dove(a, 'flags', 'add', '-u', a.user, '\\Flagged', 'mailbox', 'INBOX', 'uid', '2');
    const delta = await importRun(a);
    expect(delta['INBOX']).toMatchObject({ read: 'changes', imapMessages: 4, written: 1, reflagged: 1 });
    expect(delta['INBOX']?.pop3).toMatchObject({ pop3Messages: 4, uidlsKept: 4, outOfOrder: [] });
    const names = inbox(a);
    expect([...names.keys()].sort()).toEqual([1, 2, 3, 4].map((uid) => `${v}.${uid}`));
    expect(names.get(`${v}.2`)).toContain('F');
    await asAfterFullRead(a.args, 4);
  });

  it('is read in full where the kept snapshot does not fit: a message deleted at the source, a changed UIDVALIDITY, a snapshot without the header fields', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 272 }));
    expect((await importRun(a, '--create'))['INBOX']).toMatchObject({ read: 'full', written: 3 });

    // One gone and one new: the count is what it was, the kept messages are not what the INBOX holds.
    await dove(a, 'expunge', '-u', a.user, 'mailbox', 'INBOX', 'uid', '1');
    await deliver(a, 273);
    const gone = await importRun(a);
    expect(gone['INBOX']).toMatchObject({ read: 'full', imapMessages: 3, written: 1 });
    expect(gone['INBOX']?.history?.goneFromSource).toHaveLength(1);

    // Renumbered: every UID (and so every %v.%u UIDL) is another now.
    await dove(a, 'mailbox', 'update', '-u', a.user, '--uid-validity', '4242', 'INBOX');
    await deliver(a, 274);
    const renumbered = await importRun(a);
    expect(renumbered['INBOX']).toMatchObject({ read: 'full', uidValidity: '4242', imapMessages: 4 });
    expect([...inbox(a).keys()].filter((n) => n.startsWith('4242.'))).toHaveLength(4);

    // A snapshot kept without X-UIDL and Message-ID (as a folder's is) cannot serve the INBOX's matching.
    const file = path.join(a.maildir, 'qmail-import.source');
    const { headers, ...kept } = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(headers).toBe(true);
    fs.writeFileSync(file, JSON.stringify(kept));
    await deliver(a, 275);
    expect((await importRun(a))['INBOX']).toMatchObject({ read: 'full', imapMessages: 5, written: 1 });
    await asAfterFullRead(a.args, 5);
  });

  it('a POP3 listing whose head changed since (order, a UIDL) is matched whole, as in a full read: the new mail arrives beside it', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 276 }));
    const v = (await importRun(a, '--create'))['INBOX']!.uidValidity;
    await deliver(a, 277);
    // POP3 now lists the first two the other way round and gives the third another UIDL: the
    // listing's head is not what the last run settled.
    const changed = await startPop3Proxy(a.server.pop3Port, {
      order: [2, 1, 3, 4],
      rewrite: (command, lines) =>
        command.toUpperCase() === 'UIDL' ? lines.map((l) => l.replace(`${v}.3`, 'moved-3')) : lines,
    });
    const args = plainArgs(a, { imap: a.server.imapPort, pop3: changed.port });
    try {
      const delta = await importWith(args);
      // The third's file takes its new UIDL as its name, as a full read's matching would have it.
      expect(delta['INBOX']).toMatchObject({ read: 'changes', imapMessages: 4, written: 1, alreadyPresent: 2 });
      expect(delta['INBOX']?.history?.movedByContent).toBe(1);
      expect([...inbox(a).keys()].sort()).toEqual([`${v}.1`, `${v}.2`, `${v}.4`, 'moved-3']);
      await asAfterFullRead(args, 4);
    } finally {
      await changed.close();
    }
  });
});
