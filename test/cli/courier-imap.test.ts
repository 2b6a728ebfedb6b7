import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedFolders, type SeedFolder } from '../../scripts/lib/seed.js';
import { encodeMutf7 } from '../../src/maildir/folder-name.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { courierImapd } from '../support/courier-imapd.js';

// A real Courier-IMAP 5 imapd (unpacked from Debian's packages, see test/support/courier-imapd.ts)
// serving a Maildir imported with --imap-server courier: it must show the source's folders,
// UIDVALIDITYs, UIDs and flags. Where Courier cannot run here, each test says it skipped and why.
const FOLDERS: SeedFolder[] = [
  {
    path: 'INBOX',
    messages: sampleMessages({ count: 5, seed: 180 }).map((m, i) => ({ ...m, flags: i % 2 ? ['\\Seen'] : [] })),
  },
  { path: 'Sent', messages: sampleMessages({ count: 3, seed: 181 }), subscribed: true },
  { path: 'Entwürfe', messages: sampleMessages({ count: 2, seed: 182 }), subscribed: true },
  { path: 'Empty', messages: [], subscribed: true },
];

interface FolderView {
  uidValidity: number;
  flagsByUid: Record<number, string[]>;
}

/** The source's view, as an IMAP client syncing from it had it. */
async function sourceViews(a: Account): Promise<Record<string, FolderView>> {
  const { host, imapPort } = a.server;
  const client = new ImapFlow({
    host,
    port: imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: a.user, pass: a.password },
    logger: false,
  });
  await client.connect();
  const out: Record<string, FolderView> = {};
  try {
    for (const f of FOLDERS) {
      const box = await client.mailboxOpen(f.path, { readOnly: true });
      const flagsByUid: Record<number, string[]> = {};
      if (box.exists > 0)
        for await (const m of client.fetch('1:*', { uid: true, flags: true }))
          flagsByUid[m.uid] = [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort();
      out[f.path] = { uidValidity: Number(box.uidValidity), flagsByUid };
    }
  } finally {
    await client.logout();
  }
  return out;
}

/** Courier's imapd pre-authenticated on a copy of the Maildir (it writes files of its own into what it serves). */
function courierSession(binary: string, maildir: string, commands: string[]): string[] {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-courier-copy-'));
  try {
    execFileSync('cp', ['-r', maildir, path.join(copy, 'Maildir')]);
    const r = spawnSync(binary, [path.join(copy, 'Maildir')], {
      input: `${commands.map((c) => `${c}\r\n`).join('')}zz LOGOUT\r\n`,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: '/usr/bin:/bin', HOME: copy },
    });
    expect(r.stdout, r.stderr).toMatch(/^zz OK/m);
    return r.stdout.split(/\r?\n/);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** Each folder as Courier shows it: its UIDVALIDITY and each UID's flags (\Recent is session state). */
function courierViews(binary: string, maildir: string, names: Record<string, string>): Record<string, FolderView> {
  const folders = Object.keys(names);
  const lines = courierSession(
    binary,
    maildir,
    folders.flatMap((f, i) => [`e${i} EXAMINE "${names[f]}"`, `f${i} UID FETCH 1:* (FLAGS)`]),
  );
  const out: Record<string, FolderView> = {};
  let view: FolderView = { uidValidity: 0, flagsByUid: {} };
  for (const line of lines) {
    // EXAMINE's answer names the folder; the FETCH answers that follow still fill it.
    const tagged = /^([ef])(\d+) (\w+)/.exec(line);
    expect(tagged?.[3] ?? 'OK', line).toBe('OK');
    if (tagged?.[1] === 'e') out[folders[Number(tagged[2])] as string] = view;
    if (tagged?.[1] === 'f') view = { uidValidity: 0, flagsByUid: {} };
    const validity = /^\* OK \[UIDVALIDITY (\d+)\]/.exec(line);
    if (validity) view.uidValidity = Number(validity[1]);
    const fetch = /^\* \d+ FETCH \((.*)\)$/.exec(line)?.[1];
    const uid = fetch && /UID (\d+)/.exec(fetch)?.[1];
    if (fetch && uid)
      view.flagsByUid[Number(uid)] = (/FLAGS \(([^)]*)\)/.exec(fetch)?.[1] ?? '')
        .split(' ')
        .filter((f) => f && f !== '\\Recent')
        .sort();
  }
  return out;
}

const courier = courierImapd();
const skipped = 'skipped' in courier ? courier.skipped : undefined;

describe('Courier-IMAP serving a Maildir imported with --imap-server courier', () => {
  let a: Account;
  let source: Record<string, FolderView>;

  beforeAll(async () => {
    if (skipped) return;
    a = await makeAccount(sharedSource(), []);
    await seedFolders(a.server, a.user, a.password, FOLDERS);
    source = await sourceViews(a);
    const imported = await runCli(['import', ...a.args, '--imap-server', 'courier']);
    expect(imported.code, imported.stderr).toBe(0);
  }, 300_000);

  it('every message is in cur/ (Courier keeps UIDs only there), folders in UTF-8, a courierimapuiddb each', (ctx) => {
    if (skipped) return ctx.skip(skipped);
    for (const dir of ['', '.Sent', '.Entwürfe', '.Empty']) {
      const folder = path.join(a.maildir, dir);
      expect(fs.readdirSync(path.join(folder, 'new')), dir).toEqual([]);
      expect(fs.existsSync(path.join(folder, 'courierimapuiddb')), dir).toBe(true);
    }
    expect(fs.existsSync(path.join(a.maildir, `.${encodeMutf7('Entwürfe')}`))).toBe(false);
  });

  it("Courier lists the source's folder names and shows each folder's UIDVALIDITY, UIDs and flags", (ctx) => {
    if (skipped) return ctx.skip(skipped);
    const binary = (courier as { binary: string }).binary;
    const listed = courierSession(binary, a.maildir, ['l LIST "" "*"']).filter((l) => l.startsWith('* LIST'));
    // Courier shows its UTF-8 directory names in modified UTF-7 on the wire, under "INBOX.".
    const names = listed.map((l) => /"([^"]*)"$/.exec(l)?.[1]).sort();
    const wire = Object.fromEntries(
      FOLDERS.map((f) => [f.path, f.path === 'INBOX' ? 'INBOX' : `INBOX.${encodeMutf7(f.path)}`]),
    );
    expect(names).toEqual(Object.values(wire).sort());
    expect(courierViews(binary, a.maildir, wire)).toEqual(source);
  });

  it('verify runs Courier on the Maildir and finds UIDVALIDITY, UIDs and flags as on the source', async (ctx) => {
    if (skipped) return ctx.skip(skipped);
    const before = execFileSync('find', [a.maildir, '-printf', '%P %s %U %m\\n'], { encoding: 'utf8' });
    const r = await runCli(['verify', ...a.args, '--imap-server', 'courier', '--json'], {
      COURIER_IMAPD: (courier as { binary: string }).binary,
    });
    expect(r.code, r.stderr).toBe(0);
    const user = JSON.parse(r.stdout).users[0];
    expect(user.imapUids).toMatchObject({ server: 'courier', folders: 4, differences: [] });
    // Courier ran on a shadow: nothing of its own (courierimapacl, courierimapkeywords/) in the Maildir.
    expect(execFileSync('find', [a.maildir, '-printf', '%P %s %U %m\\n'], { encoding: 'utf8' })).toBe(before);
    // The folder check found the UTF-8 directory, with its messages.
    expect(user.folders.find((f: { name: string }) => f.name === 'Entwürfe')).toMatchObject({
      dir: '.Entwürfe',
      localMessages: 2,
    });
  });

  it('verify names the folder and UID of a tampered courierimapuiddb', async (ctx) => {
    if (skipped) return ctx.skip(skipped);
    const copy = path.join(path.dirname(a.maildir), 'tampered');
    execFileSync('cp', ['-a', a.maildir, copy]);
    const db = path.join(copy, '.Sent', 'courierimapuiddb');
    // The third message now claims a UID the source never gave it.
    fs.writeFileSync(
      db,
      fs
        .readFileSync(db, 'utf8')
        .replace(/\n3 /, '\n4000 ')
        .replace(/^1 (\d+) \d+/, '1 $1 4001'),
    );
    const args = a.args.map((x) => (x === a.maildir ? copy : x));
    const r = await runCli(['verify', ...args, '--imap-server', 'courier', '--strict'], {
      COURIER_IMAPD: (courier as { binary: string }).binary,
    });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/Sent uid 3: not on the box under this UID/);
  });
});

describe('verify with --imap-server courier and no Courier imapd', () => {
  it('says the IMAP check was skipped, and why; a --courier-imapd that is not there is a usage error', async (ctx) => {
    if (fs.existsSync('/usr/bin/imapd')) return ctx.skip("Courier's imapd is installed here");
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 1, seed: 183 }));
    expect((await runCli(['import', ...a.args, '--imap-server', 'courier'])).code).toBe(0);
    const r = await runCli(['verify', ...a.args, '--imap-server', 'courier']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.output).toMatch(/IMAP UIDs not checked: Courier's imapd \(--courier-imapd, \$COURIER_IMAPD\) not found/);
    const wrong = await runCli([
      'verify',
      ...a.args,
      '--imap-server',
      'courier',
      '--courier-imapd',
      '/nonexistent/imapd',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.output).toMatch(/--courier-imapd \/nonexistent\/imapd: not an executable file/);
  });
});
