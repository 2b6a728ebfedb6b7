import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceCliArgs } from '../../scripts/lib/source-cli-args.js';
import { listLikeQmailPop3d } from '../../src/maildir/pop3d-listing.js';
import { scanMaildir } from '../../src/maildir/scan.js';
import type { SampleMessage } from '../../scripts/lib/sample-mail.js';
import { SOURCE_ADMIN, startSourceServer, type SourceServer } from '../../scripts/lib/source-server.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { sourcePop3Listing } from '../support/source-listing.js';

/** A message of exactly `size` bytes: equal sizes are what size matching must not trust. */
function exactSize(i: number, size: number, extraHeader = ''): SampleMessage {
  const head = `From: a@old.example\r\nSubject: same size ${i}\r\nMessage-ID: <same-${i}@old.example>\r\n${extraHeader}\r\n`;
  const body = `${'y'.repeat(size - head.length - 2)}\r\n`;
  return {
    raw: Buffer.from(head + body),
    flags: i % 2 ? ['\\Seen'] : [],
    internalDate: new Date(Date.UTC(2025, 0, 1, 0, 0, i)),
  };
}

/** Mixed mail plus the hard cases: four equal-sized neighbours and an exact duplicate pair. */
function hardMailbox(xuidl: boolean): SampleMessage[] {
  const xh = (i: number) =>
    xuidl && i % 3 !== 0 ? `X-UIDL: ${(0x5eed0000 + i).toString(16).padStart(32, 'a')}\r\n` : '';
  const base = sampleMessages({ count: 24, seed: 61 }).map((m, i) => ({
    ...m,
    raw: Buffer.concat([Buffer.from(xh(i)), m.raw]),
  }));
  const same = [1, 2, 3, 4].map((i) => exactSize(i, 3000, xh(100 + i)));
  const dup = exactSize(9, 4100);
  return [...base.slice(0, 10), ...same, dup, { ...dup }, ...base.slice(10)];
}

async function expectQmailPop3dListsSource(a: Account) {
  const source = await sourcePop3Listing(a);
  const local = listLikeQmailPop3d(await scanMaildir(a.maildir, true, {}), Math.floor(Date.now() / 1000));
  expect(local.ties).toEqual([]);
  expect(local.messages.map((m) => m.uidl)).toEqual(source.uidl.map((u) => u.uidl));
}

const PROFILES = [
  { format: '%v.%u', strategies: ['formula %v.%u'] },
  { format: '%u', strategies: ['formula %u'] },
  { format: '%v-%u', strategies: ['formula %v-%u'] },
  // Dovecot prints %X in lower case, as real UW-IMAP and Dovecot UIDLs are.
  { format: '%08Xv%08Xu', strategies: ['formula %08xv%08xu'] },
  { format: '%08Xu%08Xv', strategies: ['formula %08xu%08xv'] },
  // The exact duplicate pair shares headers and size: only its content (identical) decides, never position.
  { format: '%g', strategies: ['size and order', 'header hash', 'content hash'] },
  { format: '%v.%u', xuidl: true, strategies: ['formula %v.%u', 'X-UIDL header'] },
];

describe.each(PROFILES)('source UIDLs $format (X-UIDL reused: $xuidl)', ({ format, xuidl, strategies }) => {
  let server: SourceServer;
  beforeAll(async () => {
    server = await startSourceServer({ uidlFormat: format, reuseXuidl: xuidl ?? false });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('imports so that qmail-pop3d lists exactly the source UIDLs in order, and names the strategies', async () => {
    const a = await makeAccount(server, hardMailbox(xuidl ?? false));
    const r = await runCli(['import', '--create', ...a.args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const inbox = JSON.parse(r.stdout).users[0].inbox;
    expect(inbox.pop3.uidlsKept).toBe(a.messages.length);
    expect(Object.keys(inbox.pop3.matchedBy).sort()).toEqual([...strategies].sort());
    await expectQmailPop3dListsSource(a);
  });
});

describe('--uidl strategies alone (source UIDLs %g: no formula)', () => {
  let server: SourceServer;
  beforeAll(async () => {
    server = await startSourceServer({ uidlFormat: '%g' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each([
    ['size', 'size and order'],
    ['header', 'header hash'],
    ['pop3', 'pop3 itself'],
    ['auto', 'size and order'],
  ])('--uidl %s keeps every UIDL (%s)', async (mode, strategy) => {
    const a = await makeAccount(server, sampleMessages({ count: 12, seed: 70 }));
    const r = await runCli(['import', '--create', ...a.args, '--uidl', mode, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).users[0].inbox.pop3.matchedBy).toEqual({ [strategy]: 12 });
    await expectQmailPop3dListsSource(a);
  });

  it('--uidl off copies over IMAP only, under normal names', async () => {
    const a = await makeAccount(server, sampleMessages({ count: 3, seed: 71 }));
    const r = await runCli(['import', '--create', ...a.args, '--uidl', 'off']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('UIDLs not kept (--uidl off)');
    const local = listLikeQmailPop3d(await scanMaildir(a.maildir, true, {}), Math.floor(Date.now() / 1000));
    expect(local.messages.every((m) => /^\d+\.V\d+U\d+\./.test(m.uidl))).toBe(true);
  });

  it('--uidl size alone leaves equal-sized neighbours unmatched, reports them, exits 1, and imports the rest', async () => {
    const a = await makeAccount(server, [
      ...sampleMessages({ count: 3, seed: 72 }),
      exactSize(1, 2000),
      exactSize(2, 2000),
    ]);
    const r = await runCli(['import', '--create', ...a.args, '--uidl', 'size', '--json']);
    expect(r.code).toBe(1);
    const inbox = JSON.parse(r.stdout).users[0].inbox;
    expect(inbox.pop3.matchedBy).toEqual({ 'size and order': 3 });
    expect(inbox.pop3.unmatchedPop3.map((u: { n: number }) => u.n)).toEqual([4, 5]);
    expect(inbox.pop3.downloadAgain).toHaveLength(2);
    expect(r.stderr).toContain('2 source POP3 messages not imported');
  });

  it('--uidl pop3 streams a 208 MB message in far less memory than the message', async () => {
    const a = await makeAccount(server, []);
    const line = `${'Z'.repeat(75)}\r\n`;
    const big = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.alloc(line.length * 2_700_000, line)]);
    const stored = big.toString('latin1').replaceAll('\r\n', '\n');
    placeInSource(server, a.user, [Buffer.from(stored, 'latin1')]);
    // Plain POP3 on loopback: what this measures is our streaming, not TLS's buffers.
    const r = await runCli([
      'import',
      '--create',
      ...a.args,
      '--uidl',
      'pop3',
      '--json',
      ...sourceCliArgs(server, 'none'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout).users[0];
    expect(doc.inbox.pop3.matchedBy).toEqual({ 'pop3 itself': 1 });
    // Measured: about 105 MiB for this one (the process's own peak); holding it whole would pass 400.
    expect(doc.resources.peakRssMiB).toBeLessThan(big.length / 2 ** 20 - 40);
    const local = listLikeQmailPop3d(await scanMaildir(a.maildir, true, {}), Math.floor(Date.now() / 1000));
    expect(local.messages[0]?.size).toBe(stored.length);
  });

  it('--uidl pop3 over TLS stores big and small messages byte for byte: dot lines, long lines, lone CRs, no last LF', async () => {
    const a = await makeAccount(server, []);
    const tricky = (i: number, lines: number) =>
      Buffer.concat([
        Buffer.from(
          `Subject: tricky ${i}\nMessage-ID: <tricky-${i}@old.example>\n\n.\n..\n.x\na\rb\n\xe9\xff\n`,
          'latin1',
        ),
        Buffer.alloc(lines * 78, `...${'W'.repeat(74)}\n`),
        Buffer.from(`${'L'.repeat(300_000)}\n.\n\n${'end'.repeat(i)}`, 'latin1'),
      ]);
    // Over TOP_CHECK_MAX_BYTES (read with RETR, streamed) and under it (TOP, held and checked).
    const stored = [tricky(1, 100_000), tricky(2, 1000)];
    placeInSource(server, a.user, stored);
    const r = await runCli(['import', '--create', ...a.args, '--uidl', 'pop3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).users[0].inbox.pop3.matchedBy).toEqual({ 'pop3 itself': 2 });
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const local = await scanMaildir(a.maildir, true, {});
    const got = local.map((e) => sha(fs.readFileSync(path.join(a.maildir, e.dir, e.name))));
    expect(got.sort()).toEqual(stored.map(sha).sort());
  });
});

/** Messages (stored form, LF) straight into the source Maildir, in this order: APPENDing megabytes would only slow a test down. */
function placeInSource(server: SourceServer, user: string, stored: Buffer[]): void {
  const srcMaildir = server.maildirOf(user);
  for (const d of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(srcMaildir, d), { recursive: true });
  for (const [i, body] of stored.entries())
    fs.writeFileSync(path.join(srcMaildir, 'new', `${1_700_000_000 + i}.m${i}.test`), body);
  const home = fs.statSync(path.dirname(srcMaildir));
  execFileSync('chown', ['-R', `${home.uid}:${home.gid}`, srcMaildir]);
}

describe('admin login', () => {
  it("imports a user's mail logged in as a Dovecot master user (SASL PLAIN authzid) on both protocols", async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 4, seed: 80 }));
    const adminPassword = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-admin-')), 'pw');
    fs.writeFileSync(adminPassword, `${SOURCE_ADMIN.password}\n`, { mode: 0o600 });
    const args = a.args.filter((x, i) => x !== '--password-file' && a.args[i - 1] !== '--password-file');
    const r = await runCli([
      'import',
      '--create',
      ...args,
      '--admin-user',
      SOURCE_ADMIN.user,
      '--admin-password-file',
      adminPassword,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('imported 4 of 4 messages');
    fs.writeFileSync(adminPassword, 'wrong\n');
    const refused = await runCli([
      'import',
      ...args,
      '--admin-user',
      SOURCE_ADMIN.user,
      '--admin-password-file',
      adminPassword,
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`login as ${SOURCE_ADMIN.user} for ${a.user} refused`);
  });
});
