import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceCliArgs } from '../../scripts/lib/source-cli-args.js';
import { withSourceImap } from '../../scripts/lib/source-imap.js';
import type { SourceServer } from '../../scripts/lib/source-server.js';
import type { SampleMessage } from '../../scripts/lib/sample-mail.js';
import { makeAccount, ownSource, sampleMessages, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { doveadm } from '../support/doveadm.js';
import { inboxFiles, sourceBytesByUid } from '../support/inbox-bytes.js';
import { addHeaderInMbox, deliverToMbox, renumberMbox } from '../support/mbox-delivery.js';
import { startPop3Proxy } from '../support/quirk-proxy.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * The user's check: every source message's bytes are in the INBOX exactly as often as the source
 * has them. Returns the names of the files that hold no source message (mail the source no longer has).
 */
async function expectSourceBytesOnce(a: Account): Promise<string[]> {
  const source = [...(await sourceBytesByUid(a)).values()].map(sha);
  const files = [...inboxFiles(a.maildir)];
  const count = (hash: string, in_: string[]) => in_.filter((h) => h === hash).length;
  const stored = files.map(([, b]) => sha(b));
  for (const hash of new Set(source)) expect(count(hash, stored), `source message ${hash}`).toBe(count(hash, source));
  return files.filter(([, b]) => !source.includes(sha(b))).map(([name]) => name);
}

/** RFC822.SIZE of one INBOX message at the source. */
function imapSize(a: Account, uid: number): Promise<number> {
  return withSourceImap(a.server, a.user, a.password, async (client) => {
    await client.mailboxOpen('INBOX', { readOnly: true });
    const m = await client.fetchOne(String(uid), { size: true }, { uid: true });
    return m ? (m.size as number) : NaN;
  });
}

/** An account whose mbox INBOX got `count` messages as a delivery program writes them, imported once. */
async function importedMbox(server: SourceServer, count: number, seed: number) {
  const a = await makeAccount(server, []);
  deliverToMbox(server.mboxInboxOf(a.user), sampleMessages({ count, seed }));
  const first = await runCli(['import', ...a.args, '--json']);
  expect(first.code, first.stderr).toBe(0);
  expect(await expectSourceBytesOnce(a)).toEqual([]);
  const uidValidity: string = JSON.parse(first.stdout).users[0].inbox.uidValidity;
  return { a, names: [...inboxFiles(a.maildir).keys()], uidValidity };
}

describe('a message is stored once: an mbox source that keeps flags in the message', () => {
  const source = ownSource({ mbox: true });

  it('a message whose bytes and size change under the same UID and UIDVALIDITY is the same message: its file takes the new bytes, never a second copy', async () => {
    const { a, names } = await importedMbox(source(), 5, 221);
    const server = source();
    const sizeWas = await imapSize(a, 2);

    // Read at the source: the server marks it and writes the flag into the message; another is expunged.
    await doveadm(server, ['flags', 'add', '-u', a.user, '\\Seen', 'mailbox', 'INBOX', 'uid', '2']);
    addHeaderInMbox(server.mboxInboxOf(a.user), 'Subject: sample message 2', 'X-Message-Flag: Read');
    await doveadm(server, ['expunge', '-u', a.user, 'mailbox', 'INBOX', 'uid', '4']);
    const size = await imapSize(a, 2);
    expect(size).toBe(sizeWas + 'X-Message-Flag: Read\r\n'.length);
    expect([...(await sourceBytesByUid(a)).keys()]).toEqual([1, 2, 3, 5]);

    const delta = await runCli(['import', ...a.args, '--json']);
    expect(delta.code, delta.stderr).toBe(0);
    const inbox = JSON.parse(delta.stdout).users[0].inbox;
    expect(inbox).toMatchObject({ written: 0, alreadyPresent: 4, pop3: { uidlsKept: 4 } });
    expect(inbox.changedAtSource).toEqual([{ uid: 2, uidl: names[1], sizeWas, size }]);
    expect(inbox.history.goneFromSource).toEqual([`new/${names[3]}`]);
    // Each source message once, the changed one with its new bytes under its name, flagged as read.
    expect(await expectSourceBytesOnce(a)).toEqual([names[3]]);
    expect([...inboxFiles(a.maildir).keys()].sort()).toEqual([...names].sort());
    expect(fs.readdirSync(path.join(a.maildir, 'cur'))).toEqual([`${names[1]}:2,S`]);
    expect(delta.stderr).toContain('changed at the source under the same UID');

    const v = await runCli(['verify', ...a.args, '--content', 'all', '--json']);
    expect(v.code, v.stderr).toBe(0);
    // A re-run finds nothing to do.
    const again = await runCli(['import', ...a.args, '--full', '--json']);
    expect(JSON.parse(again.stdout).users[0].inbox).toMatchObject({ written: 0, alreadyPresent: 4 });
    expect(JSON.parse(again.stdout).users[0].inbox.changedAtSource).toBeUndefined();
  });
});

describe.each([
  // Where the expunged message's UIDL names another message now, its file has to move.
  ['%v.%u', 'a new UIDVALIDITY', true, 'keeps its name'],
  ['%u', 'a new UIDVALIDITY', true, 'moves'],
  ['%v.%u', 'UIDs moved under the same UIDVALIDITY (Courier)', false, 'moves'],
])(
  "the user's check over a delta after a flag change, an expunge and a renumbering (UIDLs %s, %s): the gone file %s",
  (uidlFormat, _how, newUidValidity, goneFile) => {
    const source = ownSource({ mbox: true, uidlFormat });

    it('every source message once, the changed one too; mail gone from the source named by the name it had', async () => {
      const { a, names, uidValidity: v0 } = await importedMbox(source(), 6, 223);
      const server = source();

      await doveadm(server, ['flags', 'add', '-u', a.user, '\\Seen', 'mailbox', 'INBOX', 'uid', '3']);
      addHeaderInMbox(server.mboxInboxOf(a.user), 'Subject: sample message 3', 'X-Message-Flag: Read');
      await doveadm(server, ['expunge', '-u', a.user, 'mailbox', 'INBOX', 'uid', '2']);
      renumberMbox(server.mboxInboxOf(a.user), newUidValidity ? String(Number(v0) + 1000) : v0);
      // Dovecot numbers them from 2 (its X-IMAPbase next UID is taken as 1 past the first).
      expect([...(await sourceBytesByUid(a)).keys()]).toEqual([2, 3, 4, 5, 6]);

      const delta = await runCli(['import', ...a.args, '--json']);
      expect(delta.code, delta.stderr).toBe(0);
      const inbox = JSON.parse(delta.stdout).users[0].inbox;
      expect(inbox.uidValidity !== v0).toBe(newUidValidity);
      // Nothing written twice: the changed message's earlier file took its new bytes.
      expect(inbox.written).toBe(0);
      const [gone, ...more] = await expectSourceBytesOnce(a);
      expect(more).toEqual([]);
      const v = await runCli(['verify', ...a.args, '--json']);
      if (goneFile === 'keeps its name') {
        expect(gone).toBe(names[1]);
        // Its name is no other message's now: it keeps it, and verify counts it gone from the source.
        expect(inbox.history.goneFromSource).toEqual([`new/${names[1]}`]);
        expect(v.code, v.stderr).toBe(0);
        expect(JSON.parse(v.stdout).users[0].sinceImport.goneFromSource).toBe(1);
      } else {
        // The source gave its UIDL to another message: it had to move, POP3 clients see it as new.
        expect(inbox.history.goneFromSource).toEqual([`new/${names[1]}, now new/${gone}`]);
        expect(v.code).toBe(1);
        expect(JSON.parse(v.stdout).users[0].diff.extra.map((e: { uidl: string }) => e.uidl)).toEqual([gone]);
      }
    });
  },
);

/** Messages whose header block is byte for byte the same: only the body tells them apart. */
function sameHead(subject: string, body: string): SampleMessage {
  const head = `From: list@old.example\r\nTo: someone@old.example\r\nSubject: ${subject}\r\nDate: Mon, 5 Jan 2026 08:00:00 +0000\r\n\r\n`;
  return { raw: Buffer.from(head + body), flags: [], internalDate: new Date('2026-01-05T08:00:00Z') };
}

/**
 * popa3d beside an IMAP server on one mbox: POP3 shows the headers the IMAP server keeps in the
 * file and hides (X-IMAPbase, Status, X-UID), so POP3 sizes and bytes never equal IMAP's.
 */
function popa3dHeaders(command: string, lines: string[]): string[] {
  const added = (n: number) => [...(n === 1 ? ['X-IMAPbase: 1767600000 0000000009'] : []), 'Status: RO', `X-UID: ${n}`];
  const bytes = (n: number) => added(n).reduce((sum, l) => sum + l.length + 2, 0);
  if (/^LIST$/i.test(command))
    return lines.map((l) => {
      const [n, size] = l.split(' ').map(Number) as [number, number];
      return `${n} ${size + bytes(n)}`;
    });
  const m = /^(?:TOP|RETR) (\d+)/i.exec(command);
  if (!m) return lines;
  const end = lines.indexOf('');
  const at = end < 0 ? lines.length : end;
  return [...lines.slice(0, at), ...added(Number(m[1])), ...lines.slice(at)];
}

/** The account's options over plain loopback, POP3 through `pop3Port`. */
function plainArgs(a: Account, pop3Port: number): string[] {
  const plain = sourceCliArgs(a.server, 'none');
  const port = plain.indexOf('--pop3-port') + 1;
  plain[port] = String(pop3Port);
  return [...plain, ...a.args.slice(sourceCliArgs(a.server, 'tls').length)];
}

describe('a message is stored once: POP3 shows headers IMAP hides (popa3d beside an IMAP server on an mbox)', () => {
  // popa3d's UIDLs are an MD5 of header fields: messages with equal headers share one.
  const source = ownSource({ mbox: true, uidlFormat: '%m' });

  it('messages that share a header are paired by their bytes without those headers: each stored once, from IMAP', async () => {
    const server = source();
    const a = await makeAccount(server, []);
    const normal = sampleMessages({ count: 3, seed: 222 });
    const twins = [sameHead('weekly digest', 'same body\r\n'), sameHead('weekly digest', 'same body\r\n')];
    const pair = [sameHead('monthly digest', 'first body\r\n'), sameHead('monthly digest', 'a longer second body\r\n')];
    deliverToMbox(server.mboxInboxOf(a.user), [...normal.slice(0, 1), ...twins, normal[1]!, ...pair, normal[2]!]);
    const proxy = await startPop3Proxy(server.pop3Port, { rewrite: popa3dHeaders });
    try {
      const args = plainArgs(a, proxy.port);
      const r = await runCli(['import', ...args, '--json']);
      // Dovecot's %m gives the four messages with equal headers one UIDL: three are downloaded again.
      expect(r.code, r.stderr).toBe(1);
      const inbox = JSON.parse(r.stdout).users[0].inbox;
      expect(inbox).toMatchObject({ written: 7, errors: [], pop3: { uidlsKept: 4, sharedUidls: 4 } });
      expect(inbox.pop3.downloadAgain).toHaveLength(3);
      expect(await expectSourceBytesOnce(a)).toEqual([]);
      expect(inboxFiles(a.maildir).size).toBe(7);
    } finally {
      await proxy.close();
    }
  });
});
