import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeBadCerts } from '../support/bad-certs.js';
import { seedFolders } from '../../scripts/lib/seed.js';
import { makeAccount, ownSource, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli, type CliResult } from '../support/cli.js';
import { faultOutcome } from '../support/fault-outcome.js';
import { startImapProxy } from '../support/quirk-proxy.js';
import { endless, startScriptedPop3, type Answer, type ScriptedPop3 } from '../support/scripted-pop3.js';

// Malformed and hostile servers (docs/faults.md). IMAP is the real Dovecot; the INBOX comes over
// a scripted POP3 server (--uidl pop3) whose answers are broken one at a time, and the TLS cases
// meet a scripted TLS server with a bad certificate. Every run ends by itself with exit 3 (or 1
// for one bad message), names the server and what it sent, stays within its memory caps and
// writes no partial file.

// The real Dovecot must answer within it too: a suite loading 2 cores slowed its greeting past 2 s, and
// other work beside the suite its IMAP connect past 5 s.
const TIMEOUT_SEC = '10';
/** Peak memory a run may reach whatever the server sends (the caps in src/limits.ts are far below). */
const MAX_RSS_KIB = 400 * 1024;

const messages = sampleMessages({ count: 4, seed: 28 }).map((m) => m.raw);
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

let a: Account;
beforeAll(async () => {
  a = await makeAccount(sharedSource(), []);
});

/** The account's login and a Maildir created afresh, whatever server the run is pointed at. */
const accountArgs = () => ['--user', a.user, '--password-file', a.passwordFile, '--maildir', a.maildir, '--create'];

/** An import of the INBOX over the scripted POP3 server with `override`; measured for peak memory. */
async function importVia(override: Partial<Record<string, Answer>>): Promise<CliResult> {
  fs.rmSync(a.maildir, { recursive: true, force: true });
  const pop3: ScriptedPop3 = await startScriptedPop3(messages, override);
  servers.push(pop3);
  const run = await runCli(
    [
      'import',
      ...['--host', '127.0.0.1', '--security', 'none', '--timeout', TIMEOUT_SEC, '--uidl', 'pop3'],
      ...['--imap-port', String(a.server.imapPort), '--pop3-port', String(pop3.port)],
      ...accountArgs(),
      '--quiet',
    ],
    {},
    { measure: true },
  );
  expect(run.maxRssKiB).toBeLessThan(MAX_RSS_KIB);
  expect(run.output).not.toContain(a.password);
  return run;
}

/** What the Maildir holds of the scripted mailbox. */
const outcome = () =>
  faultOutcome({ ...a, messages: messages.map((raw) => ({ raw, flags: [], internalDate: new Date() })) });

const nothingWritten = { stored: 0, lost: messages.length, duplicated: 0, partial: 0, inTmp: 0 };
const peer = String.raw`pop3 127\.0\.0\.1:\d+`;

describe('malformed and hostile POP3 servers', () => {
  it('an honest scripted server imports all (the baseline the others break)', async () => {
    const run = await importVia({});
    expect(run.code, run.output).toBe(0);
    expect(outcome()).toEqual({ stored: 4, lost: 0, duplicated: 0, partial: 0, inTmp: 0 });
  });

  const refused: [string, Partial<Record<string, Answer>>, RegExp][] = [
    [
      'a greeting that never comes',
      { greeting: () => undefined },
      new RegExp(`greeting: stalled: no answer within ${TIMEOUT_SEC} s`),
    ],
    [
      'a greeting line that never ends',
      { greeting: (s) => endless(s, () => 'x'.repeat(1000)) },
      /greeting: line longer than 65536 bytes/,
    ],
    [
      'an endless UIDL answer',
      { UIDL: (s) => endless(s, (i) => `${i} uid-${i}\r\n`, '+OK\r\n') },
      /answer to UIDL longer than \d+ bytes or 1000000 lines; refused/,
    ],
    [
      'an endless CAPA answer',
      { CAPA: (s) => endless(s, (i) => `CAP${i}\r\n`, '+OK\r\n') },
      /answer to CAPA longer than 65536 bytes/,
    ],
    ['a UIDL line with a missing field', { UIDL: (s) => s.write('+OK\r\n1\r\n.\r\n') }, /malformed UIDL line: "1"/],
    ['duplicate message numbers', { UIDL: (s) => s.write('+OK\r\n1 a\r\n1 b\r\n.\r\n') }, /malformed UIDL line: "1 b"/],
    ['a non-numeric message number', { UIDL: (s) => s.write('+OK\r\nx a\r\n.\r\n') }, /malformed UIDL line: "x a"/],
    [
      '+OK to everything',
      Object.fromEntries(['CAPA', 'UIDL', 'LIST', 'TOP', 'RETR', 'STLS'].map((c) => [c, (s) => s.write('+OK\r\n')])),
      new RegExp(`CAPA: stalled: no answer within ${TIMEOUT_SEC} s`),
    ],
    [
      'a message that never ends (LIST said 100 bytes)',
      {
        LIST: (s) => s.write('+OK\r\n1 100\r\n2 100\r\n3 100\r\n4 100\r\n.\r\n'),
        TOP: (s) => endless(s, (i) => `line ${i}\r\n`, '+OK\r\n'),
      },
      /TOP 1: answer longer than the 100 bytes LIST said; refused/,
    ],
  ];
  for (const [name, override, error] of refused)
    it(`${name}: exit 3 naming the server and what it sent, nothing written`, async () => {
      const run = await importVia(override);
      expect(run.output).toMatch(new RegExp(`${peer}: .*${error.source}`));
      expect(run.code).toBe(3);
      expect(outcome()).toEqual(nothingWritten);
    });

  it('a LIST size larger than the message: that message is an error and not stored (exit 1)', async () => {
    const lying = messages.map((m, i) => `${i + 1} ${m.length + (i === 1 ? 500 : 0)}\r\n`).join('');
    const run = await importVia({ LIST: (s) => s.write(`+OK\r\n${lying}.\r\n`) });
    expect(run.output).toMatch(
      new RegExp(
        `uidl uid-2: received ${messages[1]!.length} of the ${messages[1]!.length + 500} bytes the server announced; not stored`,
      ),
    );
    expect(run.code).toBe(1);
    expect(outcome()).toEqual({ stored: 3, lost: 1, duplicated: 0, partial: 0, inTmp: 0 });
  });
});

describe('malformed and hostile IMAP servers', () => {
  const cases: [string, (s: net.Socket) => void, RegExp][] = [
    [
      'an untagged line that never ends',
      (s) => endless(s, () => 'x'.repeat(1000), '* OK '),
      /server sent too much: Line length \d+ exceeds maximum allowed size of 1048576 bytes/,
    ],
    [
      'a literal far beyond any message we asked for',
      (s) => endless(s, () => 'x'.repeat(1000), '* OK {2000000000}\r\n'),
      /server sent too much: Literal size 2000000000 exceeds maximum allowed size of 16777216 bytes/,
    ],
  ];
  for (const [name, greet, error] of cases)
    it(`${name}: exit 3 naming the server and the cap, memory bounded, nothing created`, async () => {
      fs.rmSync(a.maildir, { recursive: true, force: true });
      const server = net.createServer((s) => {
        s.on('error', () => undefined);
        greet(s);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push({
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
          }),
      });
      const port = String((server.address() as net.AddressInfo).port);
      const run = await runCli(
        [
          'import',
          ...['--host', '127.0.0.1', '--security', 'none', '--imap-port', port, '--pop3-port', port],
          ...accountArgs(),
          ...['--timeout', TIMEOUT_SEC],
        ],
        {},
        { measure: true },
      );
      expect(run.output).toMatch(new RegExp(`imap 127\\.0\\.0\\.1:${port}: cannot connect: ${error.source}`));
      expect(run.code).toBe(3);
      expect(run.maxRssKiB).toBeLessThan(MAX_RSS_KIB);
      expect(fs.existsSync(a.maildir)).toBe(false);
    });
});

describe('folder names imapflow would change: sent back and named exactly as the server gave them', () => {
  const source = ownSource({ slashHierarchy: true });
  // Names Dovecot refuses to create, which other servers list: a leading delimiter, modified UTF-7
  // that is not canonical ("/" written encoded) or not valid. A shim shows three real folders
  // under them, and takes only these names back, byte for byte.
  const shown = new Map([
    ['qiOddAbs', '/abs'],
    ['qiOddEtc', '&AC8-etc'],
    ['qiOddBad', 'bad&AGE'],
  ]);
  const swap = (text: string, pairs: Iterable<[string, string]>) =>
    [...pairs].reduce((t, [from, to]) => t.replaceAll(from, to), text);

  it('"&AC8-etc" and "bad&AGE" are imported under those names; "/abs" is refused by that name (exit 1)', async () => {
    const b = await makeAccount(source(), []);
    await seedFolders(
      b.server,
      b.user,
      b.password,
      [...shown.keys()].map((path, i) => ({
        path,
        subscribed: true,
        messages: sampleMessages({ count: 2, seed: 60 + i }),
      })),
    );
    const imap = await startImapProxy(b.server.imapPort, (text) => swap(text, shown), {
      rewriteCommand: (line) =>
        swap(
          line,
          [...shown].map(([real, name]) => [name, real]),
        ),
    });
    servers.push(imap);
    const run = await runCli([
      'import',
      ...['--host', '127.0.0.1', '--security', 'none', '--imap-port', String(imap.port)],
      ...['--pop3-port', String(b.server.pop3Port), '--timeout', TIMEOUT_SEC],
      ...['--user', b.user, '--password-file', b.passwordFile, '--maildir', b.maildir],
    ]);
    expect(run.output).toContain('folder "/abs" not imported: cannot become a Maildir++ folder');
    expect(run.output).toContain('3 other folders: imported 4 of 4 messages');
    const stored = (dir: string) =>
      ['new', 'cur'].reduce((n, sub) => n + fs.readdirSync(path.join(b.maildir, dir, sub)).length, 0);
    // Maildir++ names are modified UTF-7, so a literal "&" is "&-" there.
    expect({ etc: stored('.&-AC8-etc'), bad: stored('.bad&-AGE') }).toEqual({ etc: 2, bad: 2 });
    expect(run.output).not.toMatch(/"(abs|etc|bada?)"/);
    expect(run.code).toBe(1);
  });
});

describe('TLS certificates the source must not be trusted with', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeBadCerts();
  });

  for (const [name, error] of [
    ['untrusted', /self-signed certificate|DEPTH_ZERO_SELF_SIGNED_CERT/],
    ['wrong-host', /ERR_TLS_CERT_ALTNAME_INVALID|does not match/],
    ['expired', /CERT_HAS_EXPIRED|certificate has expired/],
  ] as const)
    it(`refuses an IMAP server with an ${name} certificate by default: exit 3, nothing created`, async () => {
      fs.rmSync(a.maildir, { recursive: true, force: true });
      const pem = (f: string) => fs.readFileSync(path.join(dir, f));
      let loggedIn = false;
      const server = tls.createServer({ key: pem(`${name}.key`), cert: pem(`${name}.pem`) }, (s) => {
        s.on('error', () => undefined);
        s.write('* OK IMAP4rev1 ready\r\n');
        s.on('data', () => (loggedIn = true));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
      const port = String((server.address() as { port: number }).port);
      const run = await runCli([
        'import',
        ...['--host', '127.0.0.1', '--imap-port', port, '--pop3-port', port, '--ca-file', path.join(dir, 'ca.pem')],
        ...accountArgs(),
        ...['--quiet', '--timeout', TIMEOUT_SEC],
      ]);
      expect(run.output).toMatch(new RegExp(`imap 127\\.0\\.0\\.1:${port}: cannot connect: .*(${error.source})`));
      expect(run.code).toBe(3);
      expect(loggedIn).toBe(false);
      expect(fs.existsSync(a.maildir)).toBe(false);
    });
});
