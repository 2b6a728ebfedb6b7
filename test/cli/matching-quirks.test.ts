import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleMessage } from '../../scripts/lib/sample-mail.js';
import { seedFolders } from '../../scripts/lib/seed.js';
import { startSourceServer, type SourceServer } from '../../scripts/lib/source-server.js';
import { withPop3Session } from '../../src/source/pop3-client.js';
import { makeAccount, sampleMessages, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { startImapProxy, startPop3Proxy, type Pop3Quirks, type Proxy } from '../support/quirk-proxy.js';

// Each quirk of a real server, shown by Dovecot itself or by a proxy that changes one kind of answer.
// UIDLs are Dovecot's %g (GUIDs): no formula ties them to UIDs, so the evidence steps decide.
let server: SourceServer;
const proxies: Proxy[] = [];
beforeAll(async () => {
  server = await startSourceServer({ uidlFormat: '%g' });
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await server.stop();
});

function mail(i: number, head: string, body: string, flags: string[] = []): SampleMessage {
  return { raw: Buffer.from(`${head}\r\n${body}`), flags, internalDate: new Date(Date.UTC(2025, 0, 1, 0, 0, i)) };
}
const SAME_HEAD =
  'From: a@old.example\r\nSubject: same headers\r\nMessage-ID: <same@old.example>\r\nDate: Wed, 1 Jan 2025 00:00:00 +0000\r\n';

function setOption(args: string[], option: string, value: string): string[] {
  const i = args.indexOf(option);
  return i < 0 ? [...args, option, value] : [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

/** The account's CLI options over plain loopback, POP3 (and IMAP) through proxies where given. */
function plainArgs(a: Account, ports: { pop3?: number; imap?: number } = {}): string[] {
  let args = setOption(a.args, '--security', 'none');
  args = setOption(args, '--imap-port', String(ports.imap ?? server.imapPort));
  return setOption(args, '--pop3-port', String(ports.pop3 ?? server.pop3Port));
}

async function pop3Proxy(quirks: Pop3Quirks): Promise<number> {
  const p = await startPop3Proxy(server.pop3Port, quirks);
  proxies.push(p);
  return p.port;
}

/** Dovecot's own POP3 view (no proxy): UIDL → the bytes TOP gives (its TOP and RETR agree; TOP leaves \Seen alone), LF line ends, final CRLF as LIST says. */
async function sourceBytesByUidl(a: Account): Promise<Map<string, string>> {
  const endpoint = { host: server.host, port: server.pop3Port, security: 'none' as const, insecure: false };
  return withPop3Session(endpoint, { user: a.user, password: a.password }, {}, async ({ session }) => {
    const out = new Map<string, string>();
    const sizes = new Map((await session.list()).map((l) => [l.n, l.size]));
    for (const u of await session.uidl()) {
      const lines = (await session.multiline(`TOP ${u.n} 999999999`)).map((l) => l.toString('latin1'));
      const crlf = lines.reduce((n, l) => n + l.length + 2, 0);
      out.set(u.uidl, lines.join('\n') + (crlf === sizes.get(u.n) ? '\n' : ''));
    }
    return out;
  });
}

/** Every INBOX file by its name up to ':', with its bytes. */
function filesByName(maildir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of ['new', 'cur'])
    for (const f of fs.readdirSync(path.join(maildir, dir)))
      out.set(f.split(':')[0]!, fs.readFileSync(path.join(maildir, dir, f), 'latin1'));
  return out;
}

/** Exactly one file per source UIDL, named by it, holding the bytes POP3 gives under that UIDL. */
async function expectFileUidlBytes(a: Account) {
  expect(filesByName(a.maildir)).toEqual(await sourceBytesByUidl(a));
}

/** Dovecot's POP3 numbering reversed: POP3 order is not UID order, as on the server of the report. */
const reversed = (count: number) => Array.from({ length: count }, (_, k) => count - k);

describe('ambiguous evidence is never settled by position', () => {
  it.each([
    ['equal headers, different sizes', [mail(1, SAME_HEAD, 'short\r\n'), mail(2, SAME_HEAD, 'a much longer body\r\n')]],
    [
      'equal headers and sizes, different bodies',
      [mail(1, SAME_HEAD, 'body AAAA\r\n'), mail(2, SAME_HEAD, 'body BBBB\r\n')],
    ],
    ['true duplicates', [mail(1, SAME_HEAD, 'same bytes\r\n'), mail(2, SAME_HEAD, 'same bytes\r\n')]],
  ])('%s, POP3 order unlike UID order: each file holds the bytes of its UIDL', async (_what, pair) => {
    const messages = [...sampleMessages({ count: 3, seed: 90 }), ...pair];
    const a = await makeAccount(server, messages);
    const port = await pop3Proxy({ order: reversed(messages.length) });
    const r = await runCli(['import', ...plainArgs(a, { pop3: port }), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).users[0].inbox.pop3.uidlsKept).toBe(messages.length);
    await expectFileUidlBytes(a);
  });
});

describe('the bytes written are the bytes a POP3 client gets', () => {
  it("reads with RETR where TOP's answer carries one more empty line than LIST counts, and says so", async () => {
    const a = await makeAccount(server, sampleMessages({ count: 4, seed: 91 }));
    const port = await pop3Proxy({
      rewrite: (command, lines) => {
        if (!/^TOP \d+ 999999999$/.test(command)) return lines;
        const end = lines.indexOf('');
        return [...lines.slice(0, end), '', ...lines.slice(end)];
      },
    });
    const r = await runCli(['import', ...plainArgs(a, { pop3: port }), '--uidl', 'pop3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.output).toContain('4 messages read over POP3 with RETR');
    expect(r.output).toContain('each followed by RSET so that the source keeps them unread');
    await expectFileUidlBytes(a);
  });

  it.each(['pop3', 'auto'])(
    'keeps a message without a final line end as it is (--uidl %s), and verify --content finds it equal',
    async (mode) => {
      // \Seen already: the RETR that reading it over POP3 takes would set it at the source.
      const noEnd = mail(1, 'From: a@old.example\r\nSubject: no final newline\r\n', 'last line without end', [
        '\\Seen',
      ]);
      const a = await makeAccount(server, [...sampleMessages({ count: 2, seed: 92 }), noEnd]);
      const r = await runCli(['import', ...plainArgs(a), '--uidl', mode]);
      expect(r.code, r.stderr).toBe(0);
      await expectFileUidlBytes(a);
      expect([...filesByName(a.maildir).values()]).toContain(noEnd.raw.toString('latin1').replaceAll('\r\n', '\n'));
      if (mode === 'auto') {
        const v = await runCli(['verify', ...plainArgs(a), '--content', 'all']);
        expect(v.code, v.stderr).toBe(0);
      }
    },
  );
});

describe('every message either stored or named', () => {
  // Courier-POP downgrades a message with a raw UTF-8 header (RFC 6856) for a client that did not
  // ask for UTF8: TOP and RETR send more bytes than LIST announced. Its twin has the same size, so
  // size and order alone do not place it before the hashes.
  const head = (subject: string, id: string) =>
    `From: a@old.example\r\nSubject: ${subject}\r\nMessage-ID: <${id}@old.example>\r\n`;
  const utf8 = mail(10, head('Grüße', 'u1'), 'body one\r\n');
  const twin = mail(11, head('Gruesse', 'u2'), 'body two\r\n');
  const downgrade = (command: string, lines: string[]) =>
    /^(TOP|RETR) /.test(command)
      ? lines.flatMap((l) =>
          l.startsWith('Subject: Gr\u00c3')
            ? [
                'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=',
                `Downgraded-Subject: ${'=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= '.repeat(20)}`,
              ]
            : [l],
        )
      : lines;

  it('a message whose POP3 answer is longer than LIST (an RFC 6856 downgrade) is stored from IMAP under its UIDL where size and order place it', async () => {
    const messages = [...sampleMessages({ count: 3, seed: 101 }), twin, utf8];
    expect(twin.raw.length).toBe(utf8.raw.length);
    const a = await makeAccount(server, messages);
    const port = await pop3Proxy({ rewrite: downgrade });
    const r = await runCli(['import', ...plainArgs(a, { pop3: port }), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const inbox = JSON.parse(r.stdout).users[0].inbox;
    expect(inbox).toMatchObject({ written: 5, errors: [], pop3: { uidlsKept: 5, downloadAgain: [] } });
    // Each file holds the bytes the source stored (IMAP), under the UIDL Dovecot gives it.
    const files = filesByName(a.maildir);
    expect([...files.keys()].sort()).toEqual([...(await sourceBytesByUidl(a)).keys()].sort());
    expect([...files.values()].sort()).toEqual(
      messages.map((m) => m.raw.toString('latin1').replaceAll('\r\n', '\n')).sort(),
    );
  });

  it('where nothing but POP3 has it (--uidl pop3), the message is named with the reason and not counted as kept', async () => {
    const a = await makeAccount(server, [...sampleMessages({ count: 3, seed: 102 }), utf8]);
    const port = await pop3Proxy({ rewrite: downgrade });
    const r = await runCli(['import', ...plainArgs(a, { pop3: port }), '--uidl', 'pop3', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const inbox = JSON.parse(r.stdout).users[0].inbox;
    expect(inbox).toMatchObject({ written: 3, pop3: { uidlsKept: 3 } });
    expect(inbox.errors).toEqual([
      expect.stringMatching(/uidl \S+: received more than the \d+ bytes the server announced; not stored/),
    ]);
    expect(r.stderr).toContain('3 of 4 source UIDLs kept');
    expect(filesByName(a.maildir).size).toBe(3);
  });
});

describe('one folder or protocol the server refuses does not end the account', () => {
  it("compares \\NoSelect case-insensitively, and a NO on one folder is that folder's error", async () => {
    const a = await makeAccount(server, sampleMessages({ count: 2, seed: 93 }));
    const some = (seed: number) => sampleMessages({ count: 2, seed });
    await seedFolders(server, a.user, a.password, [
      { path: 'Parent.Child', messages: some(94) },
      { path: 'Broken', messages: some(95) },
      { path: 'Work', messages: some(96) },
    ]);
    // Dovecot lists the parent as \NonExistent; other servers send \NoSelect.
    const imap = await startImapProxy(server.imapPort, (t) => t.replace(/\\NonExistent|\\Noselect/g, '\\NoSelect'));
    proxies.push(imap);
    // A folder the server lists but cannot open: its directory unreadable to Dovecot.
    const broken = path.join(server.maildirOf(a.user), '.Broken');
    fs.chmodSync(broken, 0);
    try {
      const r = await runCli(['import', ...plainArgs(a, { imap: imap.port }), '--json']);
      expect(r.code, r.stderr).toBe(1);
      const folders = JSON.parse(r.stdout).users[0].folders as { name: string; error?: string; toWrite: number }[];
      expect(folders.map((f) => [f.name, f.error === undefined ? f.toWrite : 'error'])).toEqual([
        ['Broken', 'error'],
        ['Parent.Child', 2],
        ['Work', 2],
      ]);
      expect(folders[0]!.error).toMatch(/cannot open folder Broken.*server answered NO/);
      expect(
        fs.readdirSync(path.join(a.maildir, '.Work', 'new')).length +
          fs.readdirSync(path.join(a.maildir, '.Work', 'cur')).length,
      ).toBe(2);
      await expectFileUidlBytes(a);
      const v = await runCli(['verify', ...plainArgs(a, { imap: imap.port })]);
      expect(v.code).toBe(1);
      expect(v.output).toMatch(/"Broken" \(\.Broken\): not compared: .*server answered NO/);
      expect(v.output).not.toMatch(/"Work"|"Parent\.Child"/);
    } finally {
      fs.chmodSync(broken, 0o700);
    }
  });

  it("a POP3 -ERR after a successful login is the INBOX's error, not a refused login; other folders are imported", async () => {
    const a = await makeAccount(server, sampleMessages({ count: 2, seed: 97 }));
    await seedFolders(server, a.user, a.password, [{ path: 'Work', messages: sampleMessages({ count: 3, seed: 98 }) }]);
    const port = await pop3Proxy({ errAfterLogin: 'message is damaged' });
    const r = await runCli(['import', ...plainArgs(a, { pop3: port }), '--json']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout).users[0];
    expect(doc.inbox.error).toMatch(
      /-ERR message is damaged after a successful login; the INBOX cannot be listed over POP3, so its UIDLs cannot be kept/,
    );
    expect(r.output).not.toMatch(/login .* refused/);
    expect(doc.folders.map((f: { name: string; toWrite: number }) => [f.name, f.toWrite])).toEqual([['Work', 3]]);
    expect(
      fs.readdirSync(path.join(a.maildir, 'new')).length + fs.readdirSync(path.join(a.maildir, 'cur')).length,
    ).toBe(0);
  });

  it("a POP3 -ERR to a PASS IMAP accepted (solid-pop3d refusing a mailbox it takes for damaged) is the INBOX's error; other folders are imported", async () => {
    const a = await makeAccount(server, sampleMessages({ count: 2, seed: 99 }));
    await seedFolders(server, a.user, a.password, [
      { path: 'Work', messages: sampleMessages({ count: 3, seed: 100 }) },
    ]);
    const port = await pop3Proxy({ errForLogin: 'message is damaged' });
    const r = await runCli(['import', ...plainArgs(a, { pop3: port }), '--json']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout).users[0];
    expect(doc.inbox.error).toMatch(
      /login as \S+ refused: message is damaged; IMAP accepted the same login, so the INBOX cannot be listed over POP3 and its UIDLs cannot be kept/,
    );
    expect(doc.folders.map((f: { name: string; written: number }) => [f.name, f.written])).toEqual([['Work', 3]]);
    expect(r.output).toContain('INBOX not imported');
  });
});
