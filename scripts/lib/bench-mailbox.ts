import fs from 'node:fs';
import path from 'node:path';
import { sh } from './bench-measure.js';
import { writeMaildirFiles } from './bulk-maildir.js';
import { sampleMessages, type SampleMessage } from './sample-mail.js';
import type { SourceServer } from './source-server.js';
import type { SystemUser } from './system-users.js';

/**
 * The benchmark's mailbox: eight folders as a real account has them (nested, one non-ASCII name
 * in modified UTF-7), share of the messages per folder, Maildir++ directory on the source.
 */
export const BENCH_FOLDERS: readonly { name: string; dir: string; share: number }[] = [
  { name: 'INBOX', dir: '', share: 0.4 },
  { name: 'Sent', dir: '.Sent', share: 0.2 },
  { name: 'Archive', dir: '.Archive', share: 0.14 },
  { name: 'Archive.2024', dir: '.Archive.2024', share: 0.1 },
  { name: 'Lists.dovecot', dir: '.Lists.dovecot', share: 0.08 },
  { name: 'Trash', dir: '.Trash', share: 0.04 },
  { name: 'Entwürfe', dir: '.Entw&APw-rfe', share: 0.02 },
  { name: 'Drafts', dir: '.Drafts', share: 0.02 },
];

/** Mostly 2–20 KB, as mail is; every `bigEvery`-th message is an attachment of a few MB. */
export interface SizeMix {
  bigEvery: number;
  bigBytes: readonly number[];
}

const SMALL_SIZES = [2_200, 3_100, 4_500, 6_000, 8_500, 12_000, 16_000, 20_000, 2_800, 5_200];

/** How many of `total` messages each folder gets (INBOX takes the rounding rest). */
export function folderCounts(total: number): number[] {
  const counts = BENCH_FOLDERS.map((f) => Math.floor(total * f.share));
  counts[0] = total - counts.slice(1).reduce((a, b) => a + b, 0);
  return counts;
}

/**
 * Writes `total` messages over the eight folders of `user` on the source (files straight into its
 * Maildir), with Message-IDs unique to `tag`, then lets Dovecot index them so that no contender
 * pays for the first look. Returns the bytes written.
 */
export function seedFolders(
  server: SourceServer,
  user: string,
  total: number,
  mix: SizeMix,
  owner: SystemUser,
  tag: string,
  newest?: Date,
): number {
  let bytes = 0;
  let index = 0;
  folderCounts(total).forEach((count, f) => {
    if (count === 0) return;
    const sizes = Array.from({ length: count }, (_, i) => {
      const n = index + i + 1;
      return n % mix.bigEvery === 0
        ? (mix.bigBytes[(n / mix.bigEvery) % mix.bigBytes.length] as number)
        : (SMALL_SIZES[n % SMALL_SIZES.length] as number);
    });
    index += count;
    const messages = uniquelyNamed(
      sampleMessages({ count, seed: 7 + f, sizes, ...(newest ? { newest } : {}) }),
      `${tag}-${f}`,
    );
    bytes += messages.reduce((n, m) => n + m.raw.length, 0);
    writeMaildirFiles(
      path.join(server.maildirOf(user), (BENCH_FOLDERS[f] as { dir: string }).dir),
      messages,
      owner,
      tag,
    );
  });
  indexAll(server, user);
  return bytes;
}

/** Lets the source's Dovecot see and index every folder now (new files included). */
export function indexAll(server: SourceServer, user: string): void {
  sh(['doveadm', '-c', server.configFile, 'mailbox', 'status', '-u', user, 'messages', '*']);
}

/**
 * One message of `bytes` in the INBOX of `user`, written line by line: a 200 MB message must not
 * become one string in this process either.
 */
export function seedHugeMessage(server: SourceServer, user: string, bytes: number, owner: SystemUser): void {
  const maildir = server.maildirOf(user);
  for (const d of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(maildir, d), { recursive: true });
  const file = path.join(maildir, 'cur', '1700000000.M0000000.huge:2,S');
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.writeSync(
      fd,
      'From: Big Sender <big@old.example>\nTo: user@old.example\nSubject: a very large attachment\n' +
        'Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <huge-1@old.example>\nMIME-Version: 1.0\n' +
        'Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n',
    );
    const line = `${'QUJD'.repeat(19)}\n`;
    const block = line.repeat(Math.floor((1024 * 1024) / line.length));
    for (let written = 0; written < bytes; written += block.length) fs.writeSync(fd, block);
  } finally {
    fs.closeSync(fd);
  }
  fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
  sh(['chown', '-R', `${owner.uid}:${owner.gid}`, maildir]);
  indexAll(server, user);
}

/** sampleMessages numbers its Message-IDs from 1 in every call; a tag keeps batches apart. */
function uniquelyNamed(messages: SampleMessage[], tag: string): SampleMessage[] {
  return messages.map((m) => ({
    ...m,
    raw: Buffer.from(m.raw.toString('latin1').replace('Message-ID: <sample-', `Message-ID: <${tag}-`), 'latin1'),
  }));
}
