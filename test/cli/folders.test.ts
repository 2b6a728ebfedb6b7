import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFolders, type SeedFolder } from '../../scripts/lib/seed.js';
import { startSourceServer, type SourceServer } from '../../scripts/lib/source-server.js';
import { DEMO_MAILBOX_USER } from '../../scripts/lib/system-users.js';
import { makeAccount, sampleMessages, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { snapshotMaildir } from '../support/maildir-tree.js';

/** Per folder: message count and how many messages carry each flag, as an IMAP server reports them. */
async function folderSummary(
  host: string,
  port: number,
  user: string,
  pass: string,
): Promise<Record<string, { count: number; flags: Record<string, number>; subscribed: boolean }>> {
  const client = new ImapFlow({ host, port, secure: false, doSTARTTLS: false, auth: { user, pass }, logger: false });
  await client.connect();
  const out: Record<string, { count: number; flags: Record<string, number>; subscribed: boolean }> = {};
  try {
    for (const f of await client.list()) {
      if (f.flags.has('\\Noselect')) continue;
      const box = await client.mailboxOpen(f.path, { readOnly: true });
      const flags: Record<string, number> = {};
      if (box.exists > 0)
        for await (const m of client.fetch('1:*', { flags: true }))
          for (const flag of m.flags ?? []) if (flag !== '\\Recent') flags[flag] = (flags[flag] ?? 0) + 1;
      // Folder names compared level by level, whatever each server's separator.
      out[f.path.split(f.delimiter).join('/')] = {
        count: box.exists,
        flags,
        subscribed: f.path.toUpperCase() === 'INBOX' || f.subscribed,
      };
    }
  } finally {
    await client.logout();
  }
  return out;
}

const FOLDERS: SeedFolder[] = [
  { path: 'INBOX', messages: sampleMessages({ count: 12, seed: 90 }) },
  { path: 'Sent', messages: sampleMessages({ count: 7, seed: 91 }), subscribed: true },
  {
    path: 'Drafts',
    messages: [{ ...sampleMessages({ count: 1, seed: 92 })[0]!, flags: ['\\Draft'] }],
    subscribed: true,
  },
  { path: 'Archive', messages: sampleMessages({ count: 2, seed: 93 }), subscribed: true },
  {
    path: 'Archive/2019',
    messages: sampleMessages({ count: 5, seed: 94 }).map((m, i) => ({
      ...m,
      flags: i % 2 ? ['\\Seen', '\\Flagged'] : ['\\Answered', '\\Seen'],
    })),
    subscribed: true,
  },
  { path: 'Entwürfe 台北', messages: sampleMessages({ count: 3, seed: 95 }), subscribed: true },
  { path: 'Old Stuff', messages: sampleMessages({ count: 4, seed: 96 }), subscribed: false },
];

describe('import of a whole account into Maildir++', () => {
  let source: SourceServer;
  let reader: SourceServer | undefined;
  let a: Account;
  let first: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    source = await startSourceServer({ slashHierarchy: true });
    a = await makeAccount(source, []);
    await seedFolders(source, a.user, a.password, FOLDERS);
    first = await runCli(['import', '--create', ...a.args, '--json']);
  });
  afterAll(async () => {
    await reader?.stop();
    await source.stop();
  });

  it('creates every folder as Courier and Dovecot name it, with a maildirfolder marker', () => {
    expect(first.code, first.stderr).toBe(0);
    const dirs = fs
      .readdirSync(a.maildir)
      .filter((d) => d.startsWith('.'))
      .sort();
    expect(dirs).toEqual(['.Archive', '.Archive.2019', '.Drafts', '.Entw&APw-rfe &U,BTFw-', '.Old Stuff', '.Sent']);
    for (const d of dirs) expect(fs.existsSync(path.join(a.maildir, d, 'maildirfolder'))).toBe(true);
    expect(first.stderr).toContain('6 other folders: imported 22 of 22 messages');
  });

  it('a second Dovecot reading the imported Maildir shows the source folders, counts, flags and subscriptions', async () => {
    reader = await startSourceServer({ serveMaildir: { path: a.maildir, owner: DEMO_MAILBOX_USER } });
    reader.addUser('reader', 'pw');
    const got = await folderSummary(reader.host, reader.imapPort, 'reader', 'pw');
    const want = await folderSummary(source.host, source.imapPort, a.user, a.password);
    expect(got).toEqual(want);
  });

  it('writes every file and directory as the mailbox owner, 0600 and 0700', () => {
    for (const d of fs.readdirSync(a.maildir).filter((x) => x.startsWith('.') && !x.startsWith('.dovecot'))) {
      const st = fs.statSync(path.join(a.maildir, d));
      expect([d, st.uid, st.mode & 0o777]).toEqual([d, a.owner.uid, 0o700]);
      for (const f of snapshotMaildir(path.join(a.maildir, d)))
        expect([f.path, f.uid, f.mode]).toEqual([f.path, a.owner.uid, 0o600]);
    }
  });

  it('a second run imports nothing and changes no message file', async () => {
    const before = fs
      .readdirSync(a.maildir)
      .filter((d) => d.startsWith('.A'))
      .flatMap((d) => snapshotMaildir(path.join(a.maildir, d)));
    const again = await runCli(['import', '--create', ...a.args]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('imported 0 of 22 messages, 22 already there');
    expect(
      fs
        .readdirSync(a.maildir)
        .filter((d) => d.startsWith('.A'))
        .flatMap((d) => snapshotMaildir(path.join(a.maildir, d))),
    ).toEqual(before);
  });

  it('verify --strict compares every folder with the source and names one that differs', async () => {
    const ok = await runCli(['verify', ...a.args, '--strict']);
    expect(ok.stdout).toContain("7 folders with the source's counts and flags");
    expect(ok.code, ok.stderr).toBe(0);

    const copy = path.join(path.dirname(a.maildir), 'Maildir-folders-damaged');
    execFileSync('cp', ['-a', a.maildir, copy]);
    const sent = path.join(copy, '.Sent', 'cur');
    fs.unlinkSync(path.join(sent, fs.readdirSync(sent)[0]!));
    const archive = path.join(copy, '.Archive.2019', 'cur');
    const flagged = fs.readdirSync(archive).find((f) => f.endsWith(':2,FS'))!;
    fs.renameSync(path.join(archive, flagged), path.join(archive, flagged.replace(':2,FS', ':2,S')));
    const bad = await runCli(['verify', ...a.args.map((x) => (x === a.maildir ? copy : x)), '--strict', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"Sent" (.Sent): 6 of 7 messages');
    expect(bad.stderr).toContain('"Archive/2019" (.Archive.2019): 5 of 5 messages, \\Flagged 1 of 2');
  });

  it('--folders inbox and --exclude leave folders out', async () => {
    const b = await makeAccount(source, []);
    await seedFolders(source, b.user, b.password, FOLDERS.slice(0, 3));
    expect((await runCli(['import', '--create', ...b.args, '--folders', 'inbox'])).code).toBe(0);
    expect(fs.readdirSync(b.maildir).filter((d) => d.startsWith('.'))).toEqual([]);
    expect((await runCli(['import', '--create', ...b.args, '--exclude', '^Dra'])).code).toBe(0);
    expect(fs.readdirSync(b.maildir).filter((d) => d.startsWith('.'))).toEqual(['.Sent']);
  });

  it('does not follow a symlink planted as a folder: that folder is refused, the rest imported', async () => {
    const e = await makeAccount(source, []);
    await seedFolders(source, e.user, e.password, FOLDERS.slice(0, 3));
    const elsewhere = fs.mkdtempSync(path.join(path.dirname(e.maildir), 'elsewhere-'));
    fs.symlinkSync(elsewhere, path.join(e.maildir, '.Sent'));
    execFileSync('chown', ['-hR', `${e.owner.uid}:${e.owner.gid}`, e.maildir, elsewhere]);
    const r = await runCli(['import', '--create', ...e.args]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/folder "Sent" not imported: .*\.Sent is a symlink; refusing to follow it/);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(fs.readdirSync(path.join(e.maildir, '.Drafts', 'cur'))).toHaveLength(1);
  });

  it('renames a folder whose name holds a ".", and says so', async () => {
    const c = await makeAccount(source, []);
    await seedFolders(source, c.user, c.password, [
      { path: 'Project v1.2', messages: sampleMessages({ count: 1, seed: 97 }) },
    ]);
    const r = await runCli(['import', '--create', ...c.args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('folder "Project v1.2" stored as .Project v1_2');
    expect(fs.existsSync(path.join(c.maildir, '.Project v1_2', 'maildirfolder'))).toBe(true);
  });
});
