import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { copyOf, importedAccount } from '../support/imported-copy.js';
import { deleteFromSourceInbox } from '../support/source-changes.js';

/** Delivers a message as qmail-local does: a unique file in tmp/, linked into new/, mtime now. */
function deliverLikeQmailLocal(maildir: string, unique: string, text: string): void {
  const tmp = path.join(maildir, 'tmp', unique);
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  const owner = fs.statSync(maildir);
  fs.chownSync(tmp, owner.uid, owner.gid);
  fs.linkSync(tmp, path.join(maildir, 'new', unique));
  fs.unlinkSync(tmp);
}

const firstFile = (dir: string) =>
  ['cur', 'new'].flatMap((d) => fs.readdirSync(path.join(dir, d)).map((f) => path.join(dir, d, f)))[0] as string;

describe('verify after the cutover: normal life is counted, real problems still fail', () => {
  let a: Account;

  beforeAll(async () => {
    a = await importedAccount(61, 12, { path: 'Sent', count: 4 });
  });

  it('two messages delivered here and two imported ones deleted (INBOX and a folder): exit 0 with the counts', async () => {
    const c = copyOf(a, 'Maildir-after-cutover');
    deliverLikeQmailLocal(c.maildir, `${Math.floor(Date.now() / 1000)}.4242.qmailbox`, 'Subject: one\n\nnew\n');
    deliverLikeQmailLocal(c.maildir, `${Math.floor(Date.now() / 1000)}.4243.qmailbox`, 'Subject: two\n\nnew\n');
    const inboxGone = path.basename(firstFile(c.maildir)).split(':')[0];
    fs.unlinkSync(firstFile(c.maildir));
    fs.unlinkSync(firstFile(path.join(c.maildir, '.Sent')));

    const v = await runCli(['verify', ...c.args]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('2 new here, 2 deleted here since the import');
    // Named as import --restore takes them: the INBOX's by UIDL, the folder's as FOLDER:UID.
    expect(v.stdout).toContain(`\n  ${inboxGone}\n`);
    expect(v.stdout).toMatch(/\n {2}Sent:\d+\n/);
    const json = JSON.parse((await runCli(['verify', ...c.args, '--json'])).stdout).users[0];
    expect(json.folders.find((f: { name: string }) => f.name === 'Sent').sinceImport.deletedHereUids).toHaveLength(1);
    expect(json.strict).toBe(false);
    expect(json.sinceImport).toMatchObject({ newHere: 2, deletedHere: 2, goneFromSource: 0 });
    expect(json.sinceImport.inbox.newHere).toHaveLength(2);
    expect(json.diff.missing).toEqual([]);

    // The night of the cutover: the exact comparison names the same four changes as mismatches.
    const strict = await runCli(['verify', ...c.args, '--strict', '--json']);
    expect(strict.code).toBe(1);
    const exact = JSON.parse(strict.stdout).users[0];
    expect(exact.strict).toBe(true);
    expect(exact.diff.missing).toHaveLength(1);
    expect(exact.sinceImport).toBeUndefined();
  });

  it('an imported file cut short still fails (exit 1), whatever else happened', async () => {
    const c = copyOf(a, 'Maildir-truncated');
    deliverLikeQmailLocal(c.maildir, `${Math.floor(Date.now() / 1000)}.4244.qmailbox`, 'Subject: three\n\nnew\n');
    const victim = firstFile(c.maildir);
    const { mtime } = fs.statSync(victim);
    fs.truncateSync(victim, fs.statSync(victim).size - 1);
    fs.utimesSync(victim, mtime, mtime);
    const v = await runCli(['verify', ...c.args, '--json']);
    expect(v.code).toBe(1);
    const report = JSON.parse(v.stdout).users[0];
    expect(report.diff.sizeDiffers.map((m: { uidl: string }) => m.uidl)).toEqual([path.basename(victim).split(':')[0]]);
    expect(report.sinceImport.newHere).toBe(1);
  });

  it('a file rewritten to the same size: named when its mtime moved; with --strict or --content all even when it was put back', async () => {
    const c = copyOf(a, 'Maildir-rewritten');
    const victim = firstFile(c.maildir);
    const uidl = path.basename(victim).split(':')[0];
    const { mtime } = fs.statSync(victim);
    // One byte becomes a line end: same stored size, one more CRLF for POP3 clients.
    const text = fs.readFileSync(victim);
    text[text.indexOf('\n\n') + 2] = 0x0a;
    fs.writeFileSync(victim, text);
    // A second earlier: still listed, at its place or next to its neighbour.
    fs.utimesSync(victim, mtime, new Date(mtime.getTime() - 1000));
    const sizeDiffers = (stdout: string) =>
      JSON.parse(stdout).users[0].diff.sizeDiffers.map((m: { uidl: string }) => m.uidl);

    const moved = await runCli(['verify', ...c.args, '--json']);
    expect(moved.code).toBe(1);
    expect(sizeDiffers(moved.stdout)).toEqual([uidl]);

    fs.utimesSync(victim, mtime, mtime);
    const strict = await runCli(['verify', ...c.args, '--strict', '--json']);
    expect(strict.code).toBe(1);
    expect(sizeDiffers(strict.stdout)).toEqual([uidl]);
    const content = await runCli(['verify', ...c.args, '--content', 'all', '--json']);
    expect(content.code).toBe(1);
    expect(JSON.parse(content.stdout).users[0].contentDiffers).toEqual([uidl]);
  });

  it('a file the import never wrote, older than the import, is still extra (exit 1)', async () => {
    const c = copyOf(a, 'Maildir-old-stray');
    deliverLikeQmailLocal(c.maildir, 'stray-from-before', 'Subject: stray\n\nold\n');
    fs.utimesSync(path.join(c.maildir, 'new', 'stray-from-before'), new Date(1e12), new Date(1e12));
    const v = await runCli(['verify', ...c.args, '--json']);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout).users[0].diff.extra.map((m: { uidl: string }) => m.uidl)).toEqual([
      'stray-from-before',
    ]);
  });

  it('messages gone from the source since the import are reported as such, exit 0', async () => {
    const b = await makeAccount(sharedSource(), sampleMessages({ count: 5, seed: 63 }));
    expect((await runCli(['import', '--create', ...b.args])).code).toBe(0);
    await deleteFromSourceInbox(b, '1');
    const v = await runCli(['verify', ...b.args]);
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toContain('0 new here, 0 deleted here, 1 gone from the source since the import');
  });
});
