import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { storedBytes } from '../support/stored-bytes.js';
import { makeAccount, plainArgs, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { doveadm } from '../support/doveadm.js';
import { startImapProxy } from '../support/quirk-proxy.js';

// A message's bytes are the stored bytes: mail as real mail software wrote it, saved into the
// source's store as a delivery does (doveadm save), and compared with the files the source keeps.

const head = (subject: string, more = '') => `From: a@old.example\nTo: b@old.example\nSubject: ${subject}\n${more}`;
const latin1 = (s: string) => Buffer.from(s, 'latin1');
const B64_NUL = Buffer.from([0, 1, 2, 0, 0x80, 0xff, 0]).toString('base64');

/** Stored bytes (LF line ends, as a Maildir keeps them), by a name for the test's messages. */
const MAIL: Record<string, Buffer> = {
  nul: latin1(`${head('NUL bytes')}\nbefore\0after\nline \0\0 two\n`),
  nulAnd80: latin1(
    `${head('NUL and a real 0x80', 'Content-Type: text/plain; charset=windows-1252\n')}\n\0 euro \x80 \0\n`,
  ),
  base64Utf8: latin1(
    `${head('8-bit UTF-8 text and a base64 part', 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=BB\n')}\n` +
      `--BB\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n` +
      Buffer.from('caf\u00e9 \u2019quoted\u2019 \u00c0\n').toString('latin1') +
      `--BB\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${B64_NUL}\n--BB--\n`,
  ),
  eightBit: latin1(`${head('8-bit latin1', 'Content-Transfer-Encoding: 8bit\n')}\ncaf\xe9 \x80\x81\xff\n`),
  bareCr: latin1(`${head('bare CR')}\nbare\rCR inside a line\n\r\nand a CR before LF\n`),
  mixed: latin1(`${head('mixed line ends')}\r\ncrlf line\r\nlf line\nlast\n`),
  noFinalNewline: latin1(`${head('no final newline')}\nlast line without end`),
  headerOnly: latin1(head('header only')),
  longLines: latin1(`${head('long lines')}\n${'x'.repeat(1200)}\n${'y'.repeat(100 * 1024)}\nend\n`),
  // Over 4 MiB: streamed, not held.
  big8Bit: latin1(
    `${head('big, 8-bit', 'Content-Transfer-Encoding: 8bit\n')}\n${'caf\xe9 \x80 line\n'.repeat(400_000)}`,
  ),
  bigHeader: latin1(`${head('big header', `X-Long: ${'h'.repeat(50 * 1024)}\n`)}\nbody\n`),
};

/** Saves each message into the source user's folder as a delivery does: its bytes are what the store holds. */
async function save(a: Account, folder: string, names: readonly string[]): Promise<void> {
  if (folder !== 'INBOX') await doveadm(a.server, ['mailbox', 'create', '-u', a.user, folder]);
  for (const n of names) await doveadm(a.server, ['save', '-u', a.user, '-m', folder], MAIL[n]);
}

/** Every message file of a Maildir folder (`dir` '' for INBOX): its bytes, with `stored` applied. */
function folderFiles(maildir: string, dir: string, stored: (b: Buffer) => Buffer = (b) => b): Buffer[] {
  return ['new', 'cur'].flatMap((sub) => {
    const where = path.join(maildir, dir, sub);
    return fs.readdirSync(where).map((f) => stored(fs.readFileSync(path.join(where, f))));
  });
}

/** Each message by its size and SHA-256, sorted: a deep compare of megabytes is slow. */
const digests = (files: Buffer[]) =>
  files.map((b) => `${b.length} ${createHash('sha256').update(b).digest('hex')}`).sort();

/** The source's stored messages as an IMAP client would store them: its CR before an LF is a line end. */
function storedOnSource(a: Account, dir: string): string[] {
  return digests(folderFiles(a.server.maildirOf(a.user), dir, storedBytes));
}

const INBOX = ['nul', 'nulAnd80', 'base64Utf8', 'eightBit', 'bareCr', 'mixed', 'noFinalNewline', 'headerOnly'];
const WORK = ['nul', 'nulAnd80', 'longLines', 'bigHeader', 'eightBit', 'big8Bit'];

describe('every message is written as the source stores it', () => {
  it('NUL bytes (INBOX and a folder), 8-bit text, encoded parts, odd line ends, long lines and headers', async () => {
    const a = await makeAccount(sharedSource(), []);
    await save(a, 'INBOX', INBOX);
    await save(a, 'Work', WORK);
    const r = await runCli(['import', ...a.args, '--json']);
    expect(r.code, r.output).toBe(0);
    const doc = JSON.parse(r.stdout).users[0];
    expect(doc.inbox.notExact ?? []).toEqual([]);
    expect(doc.folders[0].notExact ?? []).toEqual([]);
    expect(digests(folderFiles(a.maildir, ''))).toEqual(storedOnSource(a, ''));
    expect(digests(folderFiles(a.maildir, '.Work'))).toEqual(storedOnSource(a, '.Work'));
    expect(folderFiles(a.maildir, '').some((b) => b.includes(0))).toBe(true);
    const v = await runCli(['verify', ...a.args, '--content', 'all']);
    expect(v.code, v.output).toBe(0);
  });

  it('a server without BINARY: the messages whose 0x80 bytes may stand for NUL bytes are named', async () => {
    const server = sharedSource();
    const a = await makeAccount(server, []);
    await save(a, 'INBOX', ['nul', 'bareCr']);
    await save(a, 'Work', ['eightBit', 'mixed']);
    const imap = await startImapProxy(server.imapPort, (t) => t.replace(/ BINARY(?= |\])/g, ''));
    try {
      const args = plainArgs(a, { imap: imap.port, pop3: server.pop3Port });
      const r = await runCli(['import', ...args, '--json']);
      expect(r.code, r.output).toBe(0);
      const doc = JSON.parse(r.stdout).users[0];
      expect(doc.inbox.notExact).toEqual([expect.stringMatching(/^uid 1: the server has no BINARY/)]);
      expect(doc.folders[0].notExact).toEqual([expect.stringMatching(/^uid 1: the server has no BINARY/)]);
      expect(r.stderr).toMatch(/1 message whose NUL bytes, if any, may be 0x80 here/);
    } finally {
      await imap.close();
    }
  });
});
