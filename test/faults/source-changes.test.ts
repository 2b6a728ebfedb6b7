import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seedFolders } from '../../scripts/lib/seed.js';
import type { SampleMessage } from '../../scripts/lib/sample-mail.js';
import { storedBytes } from '../support/stored-bytes.js';
import { DOWNLOAD_CHUNK_BYTES } from '../../src/limits.js';
import type { FolderReport, ImportReport } from '../../src/report/types.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { startChangeProxy, type ChangeProxy, type SourceChange } from '../support/change-proxy.js';
import { runCli, type CliResult } from '../support/cli.js';
import { doveadm } from '../support/doveadm.js';
import { snapshotAllFolders } from '../support/maildir-tree.js';

// The source changing during the run (docs/faults.md): doveadm changes the real Dovecot at a
// chosen moment, while a proxy holds back the command that is that moment. Each run must store
// only whole messages and name what it could not copy; a re-run must end exactly like an
// uninterrupted run of the source as it now is.

/** Over INLINE_FETCH_MAX_BYTES: downloaded in chunks, so it can vanish mid-download. */
const BIG_BYTES = 6_000_000;
/** Every run is bounded by itself: a hang fails its test, not the suite. */
const RUN_BOUND_MS = 30_000;

/** The moments, as the client's commands show them (INBOX is read first, then Sent, then Archive). */
const INBOX_BODIES = /EXAMINE INBOX[^]*UID FETCH [\d,]+ \(UID BODY\.PEEK\[\]/;
const BIG_SECOND_CHUNK = new RegExp(`UID FETCH 3 \\(BODY\\.PEEK\\[\\]<${DOWNLOAD_CHUNK_BYTES}\\.`);
const SENT_BODIES = /EXAMINE Sent[^]*UID FETCH [\d,]+ \(UID BODY\.PEEK\[\]/;
const POP3_LOGIN = /^(USER|AUTH) /m;
const POP3_UIDL = /^UIDL\r\n/m;
const examine = (folder: string) => new RegExp(`EXAMINE "?${folder}"?`);

const proxies: ChangeProxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

interface Source extends Account {
  /** Every message the source ever held (seeded or added), for telling whole files from partial ones. */
  ever: SampleMessage[];
}

/** INBOX: five messages, uid 3 a big one when asked for; folders Sent (3) and Archive (2). */
async function account(withBig = false): Promise<Source> {
  const messages = sampleMessages({ count: 5, seed: 180 });
  if (withBig) messages[2] = sampleMessages({ count: 1, seed: 181, sizes: [BIG_BYTES] })[0]!;
  const a = await makeAccount(sharedSource(), messages);
  const folders = [
    { path: 'Sent', messages: sampleMessages({ count: 3, seed: 182 }), subscribed: true },
    { path: 'Archive', messages: sampleMessages({ count: 2, seed: 183 }), subscribed: true },
  ];
  await seedFolders(a.server, a.user, a.password, folders);
  return { ...a, ever: [...messages, ...folders.flatMap((f) => f.messages)] };
}

const dove = (a: Account, ...args: string[]) => doveadm(a.server, args);

/** A new message saved into `folder` at the source, as a delivery or another client would. */
async function deliverTo(a: Source, folder: string, seed: number): Promise<void> {
  const [m] = sampleMessages({ count: 1, seed });
  a.ever.push(m!);
  await doveadm(a.server, ['save', '-u', a.user, '-m', folder], m!.raw);
}

/** An import whose IMAP and/or POP3 traffic goes through a proxy that makes `changes`. */
async function changedRun(
  a: Account,
  changes: { imap?: SourceChange[]; pop3?: SourceChange[] },
): Promise<CliResult & { report: ImportReport }> {
  const ports = { imap: a.server.imapPort, pop3: a.server.pop3Port };
  const used: [ChangeProxy, number][] = [];
  for (const where of ['imap', 'pop3'] as const) {
    const wanted = changes[where];
    if (!wanted) continue;
    const proxy = await startChangeProxy(ports[where], wanted);
    proxies.push(proxy);
    used.push([proxy, wanted.length]);
    ports[where] = proxy.port;
  }
  const args = ['--host', a.server.host, '--imap-port', String(ports.imap), '--pop3-port', String(ports.pop3)];
  args.push('--security', 'none', '--user', a.user, '--password-file', a.passwordFile, '--maildir', a.maildir);
  const run = await runCli(['import', ...args, '--quiet', '--json'], {}, { measure: true, timeoutMs: RUN_BOUND_MS });
  expect(run.hung).toBeUndefined();
  // docs/faults.md gives each row's peak; whatever the source does, it stays far below the message sizes.
  expect(run.maxRssKiB).toBeLessThan(200 * 1024);
  // Every change was made, at its moment.
  for (const [proxy, wanted] of used) {
    expect(proxy.failed).toEqual([]);
    expect(proxy.fired).toHaveLength(wanted);
  }
  expect(run.output).not.toContain(a.password);
  return { ...run, report: JSON.parse(run.stdout).users[0] };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Only whole messages of the source in the Maildir (no partial file), none twice in a folder, tmp/ empty. */
function expectWholeMessagesOnly(a: Source): void {
  const whole = new Set(a.ever.map((m) => sha(storedBytes(m.raw))));
  for (const [folder, files] of Object.entries(snapshotAllFolders(a.maildir))) {
    expect(
      files.filter((f) => f.path.startsWith('tmp/')),
      folder,
    ).toEqual([]);
    for (const f of files) expect(whole.has(f.sha256), `${folder}/${f.path}`).toBe(true);
    expect(new Set(files.map((f) => f.sha256)).size, folder).toBe(files.length);
  }
}

/** The files a run leaves outside the messages, by name, with their content (subscriptions, UID lists). */
function otherFiles(maildir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const st = fs.lstatSync(path.join(dir, name));
      if (st.isDirectory() && name.startsWith('.')) walk(path.join(dir, name), `${rel}${name}/`);
      // Dovecot's index (the HIGHESTMODSEQ floor, docs/imap-uids.md) holds ids and times of its own.
      else if (st.isFile() && !/^(qmail-import\.(journal|marks|source(\..*)?)|dovecot\.index.*)$/.test(name))
        // A UID list's header holds a GUID of its own, made when it is first written.
        out[`${rel}${name}`] = fs.readFileSync(path.join(dir, name), 'latin1').replace(/ G[0-9a-f]{32}/, '');
    }
  };
  walk(maildir, '');
  return out;
}

/** A re-run without changes exits 0 and leaves what an uninterrupted run of the source as it now is leaves. */
async function expectExactRerun(a: Source): Promise<ImportReport> {
  const reference = path.join(path.dirname(a.maildir), 'Maildir-reference');
  const [again, fresh] = await Promise.all([
    runCli(['import', ...a.args, '--json'], {}, { timeoutMs: RUN_BOUND_MS }),
    runCli(
      ['import', '--create', ...a.args.map((x) => (x === a.maildir ? reference : x))],
      {},
      { timeoutMs: RUN_BOUND_MS },
    ),
  ]);
  expect(again.code, again.stderr).toBe(0);
  expect(fresh.code, fresh.stderr).toBe(0);
  expect(tree(a.maildir)).toEqual(tree(reference));
  expect(otherFiles(a.maildir)).toEqual(otherFiles(reference));
  expect(fs.existsSync(path.join(a.maildir, 'qmail-import.lock'))).toBe(false);
  return JSON.parse(again.stdout).users[0];
}

/**
 * Each folder's files (names, bytes, owner, mode) in mtime order, which is qmail-pop3d's order.
 * Not the mtimes themselves: a file keeps the mtime it was given when its neighbours were other
 * messages (one expunged since), as a file of an earlier run keeps it in any delta.
 */
function tree(maildir: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [folder, files] of Object.entries(snapshotAllFolders(maildir)))
    out[folder] = [...files]
      .sort((x, y) => x.mtimeSec - y.mtimeSec || x.path.localeCompare(y.path))
      .map((f) => `${f.path} ${f.sha256} ${f.uid} ${f.mode.toString(8)}`);
  return out;
}

/** The Maildir info letters of the INBOX file named `uidl` (flags: F flagged, R answered, S seen). */
function flagsOf(a: Account, uidl: string): string {
  const name = ['new', 'cur']
    .flatMap((d) => fs.readdirSync(path.join(a.maildir, d)))
    .find((n) => n.split(':')[0] === uidl);
  return name?.split(':2,')[1] ?? '';
}

/** The INBOX's files by source UIDL (qmail-pop3d's UIDL: the name up to ':'). */
function inboxUidls(a: Account): string[] {
  return ['new', 'cur']
    .flatMap((d) => fs.readdirSync(path.join(a.maildir, d)))
    .map((n) => n.split(':')[0]!)
    .sort();
}

/** `box`'s UIDVALIDITY becomes 4242 when `when` passes the `proxied` connection: Dovecot ends the
 *  IMAP session mid-fetch and the run exits 3. */
async function expectUidValidityChangeEndsSession(
  a: Source,
  proxied: 'imap' | 'pop3',
  when: RegExp,
  box: string,
): Promise<void> {
  const change = () => dove(a, 'mailbox', 'update', '-u', a.user, '--uid-validity', '4242', box);
  const run = await changedRun(a, { [proxied]: [{ when, change }] });
  expect(run.code).toBe(3);
  expect(run.output).toMatch(
    new RegExp(
      `${box}: imap 127\\.0\\.0\\.1:\\d+: cannot fetch messages: the server closed the connection: IMAP session state is inconsistent`,
    ),
  );
}

const folder = (r: ImportReport, name: string) => r.folders.find((f) => f.name === name) as FolderReport;
const expunge = (a: Account, box: string, uids: string) =>
  dove(a, 'expunge', '-u', a.user, 'mailbox', box, 'uid', uids);

describe('the source changing during the run', () => {
  it('expunged: mid-download of a big message, between listing and fetch, between POP3 UIDL and IMAP fetch', async () => {
    const a = await account(true);
    const run = await changedRun(a, {
      imap: [
        { when: BIG_SECOND_CHUNK, change: () => expunge(a, 'INBOX', '3') },
        { when: SENT_BODIES, change: () => expunge(a, 'Sent', '2') },
      ],
      // Dovecot's POP3 session keeps the listing it made at login: uid 4 is still listed.
      pop3: [{ when: POP3_UIDL, change: () => expunge(a, 'INBOX', '4') }],
    });
    const v = run.report.inbox.uidValidity;
    expect(run.code).toBe(1);
    // Dovecot answers the next chunk with no data: what came is short of RFC822.SIZE, and not linked.
    expect(run.output).toMatch(
      new RegExp(
        `INBOX uidl ${v}\\.3: received \\d+ of the ${a.messages[2]!.raw.length} bytes the server announced; not stored`,
      ),
    );
    expect(run.output).toContain(`${a.user} INBOX uid 4: expunged on the source during the import; not copied`);
    expect(run.output).toContain(`${a.user} Sent uid 2: expunged on the source during the import; not copied`);
    expect(inboxUidls(a)).toEqual([`${v}.1`, `${v}.2`, `${v}.5`]);
    expect([
      run.report.inbox.written,
      folder(run.report, 'Sent').written,
      folder(run.report, 'Archive').written,
    ]).toEqual([3, 2, 2]);
    expectWholeMessagesOnly(a);
    const again = await expectExactRerun(a);
    expect(again.written).toEqual({ messages: 0, bytes: 0 });
  });

  it('added and flagged: a message seen by POP3 only, one after the listings, one in a folder not read yet', async () => {
    const a = await account();
    const run = await changedRun(a, {
      imap: [
        {
          when: INBOX_BODIES,
          change: async () => {
            await deliverTo(a, 'INBOX', 190);
            await deliverTo(a, 'Archive', 191);
            await dove(a, 'flags', 'add', '-u', a.user, '\\Flagged', 'mailbox', 'INBOX', 'uid', '1');
          },
        },
        {
          when: SENT_BODIES,
          change: () => dove(a, 'flags', 'add', '-u', a.user, '\\Answered', 'mailbox', 'Sent', 'uid', '2'),
        },
      ],
      // After the IMAP listing of INBOX, before the POP3 one: POP3 alone lists it in this run.
      pop3: [{ when: POP3_LOGIN, change: () => deliverTo(a, 'INBOX', 192) }],
    });
    const v = run.report.inbox.uidValidity;
    expect(run.code, run.stderr).toBe(0);
    // The POP3-only message is stored now under its UIDL; the one after the listings is left to the re-run.
    expect(inboxUidls(a)).toEqual([1, 2, 3, 4, 5, 6].map((u) => `${v}.${u}`));
    expect(run.report.inbox.pop3.matchedBy).toEqual({ 'formula %v.%u': 5, 'pop3 itself': 1 });
    expect(folder(run.report, 'Archive').written).toBe(3);
    expect(flagsOf(a, `${v}.1`)).not.toContain('F');
    expectWholeMessagesOnly(a);
    const again = await expectExactRerun(a);
    // Nothing twice: the message POP3 brought is the one IMAP lists now.
    expect(inboxUidls(a)).toEqual([1, 2, 3, 4, 5, 6, 7].map((u) => `${v}.${u}`));
    expect([again.inbox.written, again.inbox.reflagged, folder(again, 'Sent').reflagged]).toEqual([1, 1, 1]);
    expect(again.inbox.pop3.downloadAgain).toEqual([]);
    expect(flagsOf(a, `${v}.1`)).toContain('F');
  });

  it('a folder deleted and one renamed between LIST and EXAMINE: their errors, the rest imported (exit 1)', async () => {
    const a = await account();
    const run = await changedRun(a, {
      imap: [
        { when: examine('Sent'), change: () => dove(a, 'mailbox', 'delete', '-u', a.user, 'Sent') },
        { when: examine('Archive'), change: () => dove(a, 'mailbox', 'rename', '-u', a.user, 'Archive', 'Attic') },
      ],
    });
    expect(run.code).toBe(1);
    for (const name of ['Sent', 'Archive'])
      expect(run.output).toContain(
        `${a.user}: folder "${name}" not imported: imap: cannot open folder ${name}: Mailbox doesn't exist: ${name}`,
      );
    expect(run.report.inbox.written).toBe(5);
    // Nothing made for them: no directory, no subscription.
    expect(fs.readdirSync(a.maildir).filter((n) => n.startsWith('.') || /subscri/.test(n))).toEqual([]);
    const again = await expectExactRerun(a);
    expect(again.folders.map((f) => [f.name, f.written])).toEqual([['Attic', 2]]);
  });

  it('UIDVALIDITY of a folder changed while it is read: the server ends the session (exit 3)', async () => {
    const a = await account();
    await expectUidValidityChangeEndsSession(a, 'imap', SENT_BODIES, 'Sent');
    expectWholeMessagesOnly(a);
    const again = await expectExactRerun(a);
    // Each message once, under the new UIDVALIDITY's names.
    expect(folder(again, 'Sent').history).toMatchObject({ goneFromSource: [] });
    const sent = snapshotAllFolders(a.maildir)['.Sent']!.map((f) =>
      /\.V(\d+)U(\d+)\./.exec(f.path)?.slice(1).join(' '),
    );
    expect(sent.sort()).toEqual(['4242 1', '4242 2', '4242 3']);
  });

  it('UIDVALIDITY of INBOX changed between its IMAP and POP3 listings: exit 3, the re-run names by the new UIDLs', async () => {
    const a = await account();
    await expectUidValidityChangeEndsSession(a, 'pop3', POP3_LOGIN, 'INBOX');
    // Whatever was stored is named by the UIDLs POP3 gives now.
    for (const uidl of inboxUidls(a)) expect(uidl).toMatch(/^4242\.[1-5]$/);
    expectWholeMessagesOnly(a);
    await expectExactRerun(a);
    expect(inboxUidls(a)).toEqual([1, 2, 3, 4, 5].map((u) => `4242.${u}`));
  });
});
