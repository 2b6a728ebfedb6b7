import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { storedBytes } from '../support/stored-bytes.js';
import { listLikeQmailPop3d } from '../../src/maildir/pop3d-listing.js';
import { scanMaildir } from '../../src/maildir/scan.js';
import { makeAccount, sampleMessages, sharedSource, symlinkMaildir, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { sourcePop3Listing } from '../support/source-listing.js';
import { dovecotPop3Command, executable } from '../support/as-owner.js';
import { snapshotMaildir } from '../support/maildir-tree.js';

const COUNT = 200;

/** What qmail-pop3d would list for the Maildir, by its rules. */
async function pop3dView(maildir: string) {
  const entries = await scanMaildir(maildir, true, {});
  return listLikeQmailPop3d(entries, Math.floor(Date.now() / 1000));
}

/** A copy of an imported Maildir, same owner, modes and mtimes, to damage without touching the original. */
function copyMaildir(a: Account, name: string): string {
  const copy = path.join(path.dirname(a.maildir), name);
  execFileSync('cp', ['-a', a.maildir, copy]);
  return copy;
}

function withMaildir(args: string[], maildir: string): string[] {
  const i = args.indexOf('--maildir');
  return [...args.slice(0, i + 1), maildir, ...args.slice(i + 2)];
}

describe('import then verify one INBOX (source UIDLs %v.%u)', () => {
  let a: Account;
  let firstRun: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    const messages = sampleMessages({ count: COUNT, seed: 3 });
    // One message over the inline-fetch limit goes through the streaming path.
    const [big] = sampleMessages({ count: 1, seed: 4, sizes: [6_000_000] });
    messages.splice(57, 0, big!);
    a = await makeAccount(sharedSource(), messages);
    firstRun = await runCli(['import', '--create', ...a.args, '--json']);
  });

  it('reproduces every source UIDL, in the source order, as qmail-pop3d will list them', async () => {
    expect(firstRun.stderr).toContain(`imported ${COUNT + 1} of ${COUNT + 1} messages`);
    expect(firstRun.code).toBe(0);
    const source = await sourcePop3Listing(a);
    const local = await pop3dView(a.maildir);
    expect(local.ties).toEqual([]);
    expect(local.invisible).toEqual([]);
    expect(local.messages.map((m) => m.uidl)).toEqual(source.uidl.map((u) => u.uidl));
  });

  it('stores LF line ends whose CRLF size equals the source POP3 size, and the same bytes', async () => {
    const source = await sourcePop3Listing(a);
    const local = await pop3dView(a.maildir);
    local.messages.forEach((m, i) => {
      const bytes = fs.readFileSync(path.join(a.maildir, m.entry.dir, m.entry.name));
      expect(bytes.includes('\r\n')).toBe(false);
      const lines = bytes.toString('latin1').split('\n').length - 1;
      expect(m.size + lines).toBe(source.list[i]!.size);
      // UIDL %v.%u: the UID is after the dot, and UIDs follow the APPEND order.
      const uid = Number(m.uidl.split('.')[1]);
      expect(bytes.equals(storedBytes(a.messages[uid - 1]!.raw))).toBe(true);
    });
  });

  it('keeps flags: seen mail in cur/ with its letters, unflagged mail in new/', () => {
    const files = snapshotMaildir(a.maildir);
    const seen = a.messages.filter((m) => m.flags.includes('\\Seen')).length;
    expect(files.filter((f) => /^cur\/.*:2,[A-Z]*S/.test(f.path))).toHaveLength(seen);
    expect(files.filter((f) => f.path.startsWith('new/'))).toHaveLength(
      a.messages.filter((m) => m.flags.length === 0).length,
    );
  });

  it('creates every file as the mailbox owner, mode 0600, and leaves nothing in tmp/', () => {
    const files = snapshotMaildir(a.maildir);
    expect(files.filter((f) => f.path.startsWith('tmp/'))).toEqual([]);
    for (const f of files)
      expect({ path: f.path, uid: f.uid, mode: f.mode }).toEqual({ path: f.path, uid: a.owner.uid, mode: 0o600 });
    for (const d of ['', 'tmp', 'new', 'cur']) {
      const st = fs.statSync(path.join(a.maildir, d));
      expect([st.uid, st.mode & 0o777]).toEqual([a.owner.uid, 0o700]);
    }
  });

  it('reports in JSON on stdout what it did', () => {
    const doc = JSON.parse(firstRun.stdout);
    expect(doc.exitCode).toBe(0);
    expect(doc.users[0].inbox).toMatchObject({
      toWrite: COUNT + 1,
      alreadyPresent: 0,
      errors: [],
      pop3: { formula: '%v.%u', uidlsKept: COUNT + 1 },
    });
  });

  it('a second run imports nothing and changes nothing', async () => {
    const before = snapshotMaildir(a.maildir);
    const again = await runCli(['import', ...a.args, '--full']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`imported 0 of ${COUNT + 1} messages, ${COUNT + 1} already there`);
    expect(snapshotMaildir(a.maildir)).toEqual(before);
  });

  it('a run after nothing changed at the source reads no folder again: STATUS says so', async () => {
    const before = snapshotMaildir(a.maildir);
    const again = await runCli(['import', ...a.args, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const inbox = JSON.parse(again.stdout).users[0].inbox;
    expect(inbox).toMatchObject({
      unchanged: true,
      written: 0,
      alreadyPresent: COUNT + 1,
      pop3: { uidlsKept: COUNT + 1 },
    });
    expect(snapshotMaildir(a.maildir)).toEqual(before);
  });

  it('verify exits 0 and leaves names, bytes and mtimes unchanged', async () => {
    const before = snapshotMaildir(a.maildir);
    const v = await runCli(['verify', ...a.args]);
    expect(v.stdout).toContain(`OK, ${COUNT + 1} of ${COUNT + 1} source UIDLs`);
    expect(v.stdout).toContain('modelled, not run');
    expect(v.code).toBe(0);
    expect(snapshotMaildir(a.maildir)).toEqual(before);
  });

  it('verify --content all compares every message byte for byte with the source', async () => {
    const v = await runCli(['verify', ...a.args, '--content', 'all']);
    expect(v.stdout).toContain(`${COUNT + 1} compared byte for byte`);
    expect(v.code).toBe(0);
    // Reading every message over POP3 left them as they were: no \Seen flag changed on the source.
    expect((await runCli(['verify', ...a.args])).code).toBe(0);
  });

  it('verify --content names a message whose bytes changed though its size did not', async () => {
    const copy = copyMaildir(a, 'Maildir-flipped');
    const victim = (await pop3dView(copy)).messages[3]!;
    const file = path.join(copy, victim.entry.dir, victim.entry.name);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0x01;
    fs.writeFileSync(file, bytes);
    fs.utimesSync(file, new Date(), new Date(victim.entry.mtimeSec * 1000));
    const v = await runCli(['verify', ...withMaildir(a.args, copy), '--content', 'all', '--json']);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout).users[0].contentDiffers).toEqual([victim.uidl]);
    expect(v.stderr).toContain(`differ from the source's bytes`);
  });

  it('verify runs the POP3 server it is given as the mailbox owner and lists through it', async () => {
    // Dovecot's pop3 stands in for qmail-pop3d: same UIDLs (%f), but name order and CRLF sizes.
    const copy = copyMaildir(a, 'Maildir-dovecot');
    const v = await runCli([
      'verify',
      ...withMaildir(a.args, copy),
      '--qmail-pop3d',
      executable(dovecotPop3Command(a.owner)),
      '--json',
    ]);
    const report = JSON.parse(v.stdout).users[0];
    expect(report.error).toBeUndefined();
    expect(report.listedBy).toMatch(/^qmail-pop3d \/.*pop3d$/);
    expect(report.localMessages).toBe(COUNT + 1);
    expect([report.diff.missing, report.diff.extra]).toEqual([[], []]);
    expect(v.stderr).not.toContain('modelled');
  });

  it.skipIf(!process.env.QMAIL_POP3D)(
    `verify with the real qmail-pop3d (${process.env.QMAIL_POP3D ?? '$QMAIL_POP3D not set: skipped'}) exits 0`,
    async () => {
      const before = snapshotMaildir(a.maildir);
      const v = await runCli(['verify', ...a.args], { QMAIL_POP3D: process.env.QMAIL_POP3D });
      expect(v.stdout).toContain(`listed by qmail-pop3d ${process.env.QMAIL_POP3D}`);
      expect(v.code).toBe(0);
      expect(snapshotMaildir(a.maildir)).toEqual(before);
    },
  );

  it('verify --strict exits 1 naming the UIDL of a removed file', async () => {
    const copy = copyMaildir(a, 'Maildir-removed');
    const victim = (await pop3dView(copy)).messages[10]!;
    fs.unlinkSync(path.join(copy, victim.entry.dir, victim.entry.name));
    const v = await runCli(['verify', ...withMaildir(a.args, copy), '--strict']);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/1 missing here/);
    expect(v.stdout).toContain(`uidl "${victim.uidl}"`);
  });

  it('verify exits 1 naming the messages whose mtimes were swapped', async () => {
    const copy = copyMaildir(a, 'Maildir-swapped');
    const [x, y] = [(await pop3dView(copy)).messages[20]!, (await pop3dView(copy)).messages[30]!];
    const file = (m: typeof x) => path.join(copy, m.entry.dir, m.entry.name);
    fs.utimesSync(file(x), new Date(), new Date(y.entry.mtimeSec * 1000));
    fs.utimesSync(file(y), new Date(), new Date(x.entry.mtimeSec * 1000));
    const v = await runCli(['verify', ...withMaildir(a.args, copy), '--json']);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('out of the source order');
    expect(v.stderr).toContain(`uidl "${x.uidl}"`);
    const reordered = JSON.parse(v.stdout).users[0].diff.reordered.map((r: { uidl: string }) => r.uidl);
    expect(reordered).toContain(y.uidl);
  });
});

describe('import: dry run and refusals', () => {
  it('--dry-run prints the plan and writes nothing', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 5, seed: 9 }));
    const r = await runCli(['import', '--create', ...a.args, '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('would import 5 of 5 messages');
    const plan = JSON.parse(r.stdout).users[0].inbox.plan;
    expect(plan.messages.map((m: { name: string }) => m.name)).toEqual(
      plan.messages.map((m: { uidl: string }) => m.uidl),
    );
    expect(fs.readdirSync(a.maildir)).toEqual([]);
  });

  it('a wrong password exits 3 naming the server and the user, without a stack trace', async () => {
    const a = await makeAccount(sharedSource(), []);
    fs.writeFileSync(a.passwordFile, 'wrong\n');
    const r = await runCli(['import', '--create', ...a.args]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`127.0.0.1:${a.server.imapsPort}`);
    expect(r.stderr).toContain(`login as ${a.user} refused`);
    expect(r.stderr).not.toContain('wrong');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readdirSync(a.maildir)).toEqual([]);
  });

  it.each([
    [['import', '--user', 'x', '--host', 'h', '--maildir', '/tmp/x', '--bogus'], 'Unknown argument: bogus'],
    [['import', '--user', 'x', '--host', 'h'], 'Missing required argument: maildir'],
    // A password on the command line would show in ps: there is no option for it.
    [
      ['import', '--user', 'x', '--host', 'h', '--maildir', '/tmp/x', '--password', 'secret'],
      'Unknown argument: password',
    ],
    [['batch', '--host', 'h'], 'name the accounts one way: --users FILE, --domain D or --all-vpopmail'],
  ])('bad usage %j exits 2 with a usage line', async (args, message) => {
    const r = await runCli(args, { QMAIL_IMPORT_PASSWORD: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^usage: qmail-import/m);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('answers a bad command line with JSON too when --json was asked for', async () => {
    const r = await runCli(['import', '--user', 'x', '--host', 'h', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      command: 'import',
      exitCode: 2,
      error: { type: 'UsageError', message: 'Missing required argument: maildir' },
    });
  });

  it.each([
    [['--include', '(unclosed'], '--include (unclosed: not a regular expression'],
    [['--admin-user', 'admin'], '--admin-user and --admin-password-file go together'],
    [['--password-file', '/nonexistent/pw'], '--password-file /nonexistent/pw: cannot read: ENOENT'],
  ])('%j exits 2 naming the option, before anything is touched', async (extra, message) => {
    const r = await runCli(
      ['import', '--user', 'x', '--host', '127.0.0.1', '--maildir', '/nonexistent/Maildir', ...extra],
      { QMAIL_IMPORT_PASSWORD: 'x' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('leaves a foreign file holding an incoming UIDL name alone when its content differs, and reports it', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 13 }));
    const plan = JSON.parse((await runCli(['import', '--create', ...a.args, '--dry-run', '--json'])).stdout).users[0]
      .inbox.plan;
    const [same, other] = plan.messages as { uid: number; name: string }[];
    for (const d of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(a.maildir, d), { recursive: true });
    // The same message, as an earlier rsync of the old Maildir would have left it; and a stranger.
    fs.writeFileSync(path.join(a.maildir, 'new', same!.name), storedBytes(a.messages[same!.uid - 1]!.raw));
    fs.writeFileSync(path.join(a.maildir, 'new', other!.name), 'Subject: not that message\n\n');
    // Dated as such copies are: when the message came in, leaving room for the third in between.
    for (const m of [same!, other!])
      fs.utimesSync(path.join(a.maildir, 'new', m.name), new Date(), a.messages[m.uid - 1]!.internalDate);
    execFileSync('chown', ['-R', `${a.owner.uid}:${a.owner.gid}`, a.maildir]);
    const r = await runCli(['import', '--create', ...a.args, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const inbox = JSON.parse(r.stdout).users[0].inbox;
    expect([inbox.toWrite, inbox.alreadyPresent, inbox.pop3.conflicts.length]).toEqual([1, 1, 1]);
    expect(r.stderr).toContain(`another file named ${other!.name} is already there`);
    expect(fs.readFileSync(path.join(a.maildir, 'new', other!.name), 'utf8')).toBe('Subject: not that message\n\n');
  });

  it('takes a Maildir path that is a symlink only with --allow-symlinked-maildir', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 2, seed: 14 }));
    const real = symlinkMaildir(a);
    const refused = await runCli(['import', '--create', ...a.args]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is a symlink; refusing to follow it');
    const r = await runCli(['import', '--create', ...a.args, '--allow-symlinked-maildir']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(path.join(real, 'new')).length + fs.readdirSync(path.join(real, 'cur')).length).toBe(2);
  });

  it('refuses a Maildir whose new/ is a symlink, and writes nothing through it', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 11 }));
    const elsewhere = fs.mkdtempSync(path.join(path.dirname(a.maildir), 'elsewhere-'));
    fs.chownSync(elsewhere, a.owner.uid, a.owner.gid);
    for (const d of ['', 'tmp', 'cur']) fs.mkdirSync(path.join(a.maildir, d), { recursive: true });
    fs.symlinkSync(elsewhere, path.join(a.maildir, 'new'));
    execFileSync('chown', ['-hR', `${a.owner.uid}:${a.owner.gid}`, a.maildir]);
    const r = await runCli(['import', '--create', ...a.args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is a symlink; refusing to follow it');
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });
});
