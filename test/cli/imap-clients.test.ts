import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFolders, type SeedFolder } from '../../scripts/lib/seed.js';
import { withSourceImap } from '../../scripts/lib/source-imap.js';
import { startSourceServer, type SourceServer } from '../../scripts/lib/source-server.js';
import { DEMO_MAILBOX_USER } from '../../scripts/lib/system-users.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { fetchedFlags, rawImapSession, responseCode } from '../support/raw-imap.js';
import { encodeMutf7 } from '../../src/maildir/folder-name.js';

// Real IMAP clients with offline state (mbsync from Debian's isync, offlineimap3) synced from the
// source, then pointed at a real Dovecot serving the imported Maildir: they must notice nothing.
// scripts/install-deps.sh installs both; only a checkout run without it may skip (never CI).
const HAVE_CLIENTS =
  ['/usr/bin/mbsync', '/usr/bin/offlineimap'].every((p) => fs.existsSync(p)) || process.env.CI === 'true';

const FOLDERS: SeedFolder[] = [
  {
    path: 'INBOX',
    messages: sampleMessages({ count: 8, seed: 170 }).map((m, i) => ({
      ...m,
      flags: i === 2 ? ['\\Seen', '$Forwarded'] : i === 5 ? ['$Junk'] : m.flags,
    })),
  },
  { path: 'Sent', messages: sampleMessages({ count: 5, seed: 171 }), subscribed: true },
  { path: 'Entwürfe', messages: sampleMessages({ count: 2, seed: 172 }), subscribed: true },
  { path: 'Empty', messages: [], subscribed: true },
];

/** Every message file under a client's local Maildir tree, by path (flags are in the names). */
function localFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\/(cur|new)\/[^/]+$/.test(p)) out.push(path.relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

/** A client's local side and the far server it syncs with; `point` rewrites its config for a server. */
interface Client {
  name: string;
  local: string;
  point(host: { port: number; caFile: string }): void;
  sync(): { code: number | null; output: string };
}

/** A client whose whole configuration is one file (WORK/NAMErc), rewritten for each server. */
function configuredClient(
  work: string,
  name: string,
  config: (local: string, host: { port: number; caFile: string }) => string,
  args: (rc: string) => string[],
): Client {
  const local = path.join(work, name);
  fs.mkdirSync(local);
  const rc = path.join(work, `${name}rc`);
  return { name, local, point: (host) => fs.writeFileSync(rc, config(local, host)), sync: () => run(name, args(rc)) };
}

function mbsync(a: Account, work: string): Client {
  return configuredClient(
    work,
    'mbsync',
    (local, { port, caFile }) =>
      `IMAPAccount far\nHost localhost\nPort ${port}\nUser ${a.user}\nPassCmd "cat ${a.passwordFile}"\nSSLType IMAPS\nCertificateFile ${caFile}\n\n` +
      `IMAPStore far\nAccount far\n\nMaildirStore near\nPath ${local}/\nInbox ${local}/INBOX\nSubFolders Verbatim\n\n` +
      `Channel c\nFar :far:\nNear :near:\nPatterns *\nCreate Near\nSync All\nExpunge None\nSyncState *\n`,
    (rc) => ['-c', rc, '-a'],
  );
}

function offlineimap(a: Account, work: string): Client {
  return configuredClient(
    work,
    'offlineimap',
    (local, { port, caFile }) =>
      `[general]\naccounts = a\nmetadata = ${work}/offlineimap-meta\n\n[Account a]\nlocalrepository = near\nremoterepository = far\n\n` +
      `[Repository near]\ntype = Maildir\nlocalfolders = ${local}\n\n` +
      `[Repository far]\ntype = IMAP\nremotehost = localhost\nremoteport = ${port}\nremoteuser = ${a.user}\nremotepassfile = ${a.passwordFile}\n` +
      `ssl = yes\nsslcacertfile = ${caFile}\n`,
    (rc) => ['-c', rc, '-o', '-u', 'basic'],
  );
}

function run(cmd: string, args: string[]): { code: number | null; output: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: os.tmpdir() },
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A message arriving on the box after the import, as qmail-local delivers it: tmp/, then new/. */
function deliverAsQmailLocal(maildir: string, owner: { uid: number; gid: number }): void {
  const name = `${Math.floor(Date.now() / 1000)}.P${process.pid}.box`;
  const tmp = path.join(maildir, 'tmp', name);
  fs.writeFileSync(tmp, 'From: late@example\nSubject: after the cutover\n\nhello\n', { mode: 0o600 });
  fs.chownSync(tmp, owner.uid, owner.gid);
  fs.linkSync(tmp, path.join(maildir, 'new', name));
  fs.unlinkSync(tmp);
}

/** What a CONDSTORE/QRESYNC client (Thunderbird, K-9, Apple Mail) keeps of a folder: UIDVALIDITY,
 *  HIGHESTMODSEQ and each UID's flags; later it asks only for what changed since that HIGHESTMODSEQ. */
interface CondstoreCache {
  uidValidity: bigint;
  highestModseq: bigint;
  flags: Map<number, string[]>;
}

/** Such a client's first sync of every folder, from the source. */
async function condstoreSync(a: Account): Promise<Map<string, CondstoreCache>> {
  const names = FOLDERS.map((f) => encodeMutf7(f.path));
  const answers = await rawImapSession(a.server.imapPort, a, [
    'ENABLE QRESYNC',
    ...names.flatMap((n) => [`EXAMINE "${n}"`, 'UID FETCH 1:* (FLAGS)']),
  ]);
  return new Map(
    names.map((n, i) => {
      const examined = answers[1 + 2 * i] ?? [];
      const cache = {
        uidValidity: responseCode(examined, 'UIDVALIDITY') ?? -1n,
        highestModseq: responseCode(examined, 'HIGHESTMODSEQ') ?? -1n,
        flags: fetchedFlags(answers[2 + 2 * i] ?? []),
      };
      return [n, cache];
    }),
  );
}

/** A flag set and cleared again: the message is as before, the folder's HIGHESTMODSEQ has grown by two. */
async function toggleFlag(a: Account, times: number): Promise<void> {
  await withSourceImap(a.server, a.user, a.password, async (client) => {
    await client.mailboxOpen('INBOX');
    for (let i = 0; i < times; i++) {
      await client.messageFlagsAdd('1', ['\\Answered']);
      await client.messageFlagsRemove('1', ['\\Answered']);
    }
  });
}

describe.skipIf(!HAVE_CLIENTS)('IMAP clients with offline state moved from the source to the box (Dovecot)', () => {
  let a: Account;
  let box: SourceServer;
  let work: string;
  let clients: Client[];
  let condstore: Map<string, CondstoreCache>;
  const source = sharedSource();

  beforeAll(async () => {
    a = await makeAccount(source, []);
    await seedFolders(source, a.user, a.password, FOLDERS);
    // The source's INBOX has seen more changes than messages, as any used one has.
    await toggleFlag(a, 15);
    condstore = await condstoreSync(a);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-clients-'));
    clients = [mbsync(a, work), offlineimap(a, work)];
    for (const c of clients) {
      c.point({ port: source.imapsPort, caFile: source.caFile });
      const r = c.sync();
      expect(r.code, `${c.name} from the source: ${r.output}`).toBe(0);
    }
    const imported = await runCli(['import', ...a.args, '--imap-server', 'dovecot']);
    expect(imported.code, imported.stderr).toBe(0);
    box = await startSourceServer({ serveMaildir: { path: a.maildir, owner: DEMO_MAILBOX_USER } });
    box.addUser(a.user, a.password);
  }, 120_000);

  afterAll(async () => {
    await box?.stop();
  });

  it('verify runs Dovecot on the Maildir and finds UIDVALIDITY, UIDs and flags as on the source', async () => {
    const r = await runCli(['verify', ...a.args, '--imap-server', 'dovecot', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const check = JSON.parse(r.stdout).users[0].imapUids;
    expect(check).toMatchObject({ server: 'dovecot', folders: 4, differences: [] });
  });

  it('verify names the folder and UID of a tampered UID list', async () => {
    const copy = path.join(path.dirname(a.maildir), 'tampered');
    execFileSync('cp', ['-a', a.maildir, copy]);
    const list = path.join(copy, '.Sent', 'dovecot-uidlist');
    // The last message now claims a UID the source never gave it.
    const text = fs.readFileSync(list, 'utf8').replace(/\n5 :/, '\n4000 :');
    fs.writeFileSync(list, text.replace(/ N\d+ /, ' N4001 '));
    const args = [...a.args.map((x) => (x === a.maildir ? copy : x)), '--imap-server', 'dovecot'];
    // Without --strict only UIDVALIDITY is asked of the box: the report says what it did not compare.
    const normal = await runCli(['verify', ...args]);
    expect(normal.code, normal.output).toBe(0);
    expect(normal.stdout).toMatch(
      /IMAP: UIDVALIDITY as on the source, HIGHESTMODSEQ not below it, in 4 folders \(dovecot [^)]*\); each message's UID and flags not compared \(verify --strict compares them\)/,
    );
    expect(normal.stdout).not.toContain('UIDs and flags as on the source');
    const r = await runCli(['verify', ...args, '--strict']);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/Sent uid 5: not on the box under this UID/);
  });

  it("verify names a folder whose HIGHESTMODSEQ on the box is below the source's", async () => {
    const copy = path.join(path.dirname(a.maildir), 'modseq-lost');
    execFileSync('cp', ['-a', a.maildir, copy]);
    // Dovecot's index is where HIGHESTMODSEQ lives: without it, Dovecot counts afresh.
    for (const n of fs.readdirSync(copy)) if (n.startsWith('dovecot.index')) fs.rmSync(path.join(copy, n));
    const r = await runCli(['verify', ...a.args.map((x) => (x === a.maildir ? copy : x)), '--imap-server', 'dovecot']);
    expect(r.code).toBe(1);
    const source = condstore.get('INBOX')?.highestModseq;
    expect(r.output).toMatch(new RegExp(`INBOX: HIGHESTMODSEQ ${source} on the source, \\d+ on the box`));
  });

  it('mbsync and offlineimap, pointed at the box: exit 0, no UIDVALIDITY complaint, nothing downloaded, flags unchanged', () => {
    for (const c of clients) {
      const before = localFiles(c.local);
      c.point({ port: box.imapsPort, caFile: box.caFile });
      const r = c.sync();
      expect(r.code, `${c.name}: ${r.output}`).toBe(0);
      expect(r.output, c.name).not.toMatch(/UIDVALIDITY|uid validity/i);
      expect(localFiles(c.local), c.name).toEqual(before);
    }
  });

  it('a message delivered on the box afterwards is fetched exactly once by each client', () => {
    deliverAsQmailLocal(a.maildir, a.owner);
    for (const c of clients) {
      const before = localFiles(c.local);
      expect(c.sync().code).toBe(0);
      const added = localFiles(c.local).filter((f) => !before.includes(f));
      expect(added, c.name).toHaveLength(1);
      expect(c.sync().code).toBe(0);
      expect(localFiles(c.local).length, c.name).toBe(before.length + 1);
    }
  });

  it('a CONDSTORE/QRESYNC client: each folder resyncs from its cached HIGHESTMODSEQ with nothing changed; a flag set on the box is reported to CHANGEDSINCE and QRESYNC', async () => {
    expect(condstore.get('INBOX')?.highestModseq, 'the source offers CONDSTORE').toBeGreaterThan(30n);
    for (const [name, cache] of condstore) {
      const [, selected = []] = await rawImapSession(box.imapPort, a, [
        'ENABLE QRESYNC',
        `SELECT "${name}" (QRESYNC (${cache.uidValidity} ${cache.highestModseq}))`,
      ]);
      expect(responseCode(selected, 'UIDVALIDITY'), name).toBe(cache.uidValidity);
      expect(responseCode(selected, 'HIGHESTMODSEQ'), name).toBeGreaterThanOrEqual(cache.highestModseq);
      expect(
        selected.filter((l) => l.includes('VANISHED')),
        name,
      ).toEqual([]);
      // The message delivered on the box by the test before is new to the client; the others are unchanged.
      for (const [uid, flags] of fetchedFlags(selected))
        if (cache.flags.has(uid)) expect(flags.sort(), `${name} ${uid}`).toEqual(cache.flags.get(uid)?.sort());
    }
    const inbox = condstore.get('INBOX') as CondstoreCache;
    const uid = Math.min(...inbox.flags.keys());
    const [, , , changed = []] = await rawImapSession(box.imapPort, a, [
      'ENABLE QRESYNC',
      'SELECT INBOX',
      `UID STORE ${uid} +FLAGS.SILENT (\\Flagged)`,
      `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${inbox.highestModseq})`,
    ]);
    expect(fetchedFlags(changed).get(uid)).toContain('\\Flagged');
    const [, resynced = []] = await rawImapSession(box.imapPort, a, [
      'ENABLE QRESYNC',
      `SELECT INBOX (QRESYNC (${inbox.uidValidity} ${inbox.highestModseq}))`,
    ]);
    expect(fetchedFlags(resynced).get(uid)).toContain('\\Flagged');
  });
});
