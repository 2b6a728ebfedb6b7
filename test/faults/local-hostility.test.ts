import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withSourceImap } from '../../scripts/lib/source-imap.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedFolders } from '../../scripts/lib/seed.js';
import { SOURCE_MAIL_USER } from '../../scripts/lib/system-users.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { startProxy } from '../support/proxy.js';
import { sourceCliArgs } from '../../scripts/lib/source-cli-args.js';
import { snapshotAllFolders, type TreeEntry } from '../support/maildir-tree.js';

// What the mailbox owner can plant in their own Maildir, and what the importer (running as that
// owner, or as root dropping to it) must do: refuse with a clear error or replace the thing, never
// hang, never write through it to another place, and never write half of anything.

/** A run that has not ended by then hung: killed, and the test fails on `hung`. */
const HANG_MS = 60_000;
const OUTSIDE_TEXT = 'not the Maildir\n';
const execFileAsync = promisify(execFile);

let a: Account;
let reference: Record<string, TreeEntry[]>;

/** An empty Maildir (tmp/, new/, cur/) owned by the mailbox owner, in a home of its own. */
function freshMaildir(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-hostile-'));
  const maildir = path.join(home, 'Maildir');
  for (const d of [home, maildir, ...['tmp', 'new', 'cur'].map((s) => path.join(maildir, s))]) {
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    fs.chownSync(d, a.owner.uid, a.owner.gid);
  }
  return maildir;
}

/** An outside file and directory the owner could point a link at; they must stay as they are. */
function outside(): { file: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-outside-'));
  const file = path.join(dir, 'file');
  fs.writeFileSync(file, OUTSIDE_TEXT, { mode: 0o600 });
  fs.mkdirSync(path.join(dir, 'dir'));
  for (const p of [dir, file, path.join(dir, 'dir')]) fs.chownSync(p, a.owner.uid, a.owner.gid);
  return { file, dir: path.join(dir, 'dir') };
}

type Planted = 'fifo' | 'symlink' | 'hardlink' | 'directory';

function plant(maildir: string, name: string, kind: Planted, to: string): void {
  const at = path.join(maildir, name);
  fs.rmSync(at, { recursive: true, force: true });
  if (kind === 'fifo') execFileSync('mkfifo', [at]);
  else if (kind === 'directory') fs.mkdirSync(at);
  else if (kind === 'symlink') fs.symlinkSync(to, at);
  else fs.linkSync(to, at);
  fs.lchownSync(at, a.owner.uid, a.owner.gid);
}

function importInto(maildir: string, extra: string[] = []) {
  return runCli(
    ['import', '--create', ...a.args.map((x) => (x === a.maildir ? maildir : x)), ...extra],
    {},
    { timeoutMs: HANG_MS },
  );
}

/** Which folders hold exactly the reference's messages; any other state of a folder fails the test. */
function foldersWritten(maildir: string): string[] {
  const tree = snapshotAllFolders(maildir);
  return Object.keys(reference)
    .sort()
    .filter((f) => {
      const got = (tree[f] ?? []).filter((e) => !e.path.startsWith('tmp/'));
      if (got.length === 0) return false;
      expect(tree[f], `${f} is partial`).toEqual(reference[f]);
      return true;
    });
}

const ALL = ['.Archive', '.Sent', 'INBOX'];

beforeAll(async () => {
  a = await makeAccount(sharedSource(), sampleMessages({ count: 30, seed: 300 }));
  await seedFolders(sharedSource(), a.user, a.password, [
    { path: 'Sent', messages: sampleMessages({ count: 10, seed: 301 }), subscribed: true },
    { path: 'Archive', messages: sampleMessages({ count: 10, seed: 302 }), subscribed: true },
  ]);
  const r = await runCli(['import', ...a.args]);
  expect(r.code, r.stderr).toBe(0);
  reference = snapshotAllFolders(a.maildir);
});

describe('things planted in the Maildir', () => {
  type Case = [name: string, kind: Planted, code: number, error: string, written: string[]];
  const NOT_REGULAR = 'is not a regular file; refusing it';
  const REMOVE_IT = '(remove it: qmail-import makes its own lock file)';
  const cases: Case[] = [
    // The lock is taken on the file itself: anything else in its place is refused by name, and left.
    ['qmail-import.lock', 'fifo', 1, `qmail-import.lock ${NOT_REGULAR} ${REMOVE_IT}`, []],
    [
      'qmail-import.lock',
      'symlink',
      1,
      `qmail-import.lock is a symlink, not a regular file; refusing it ${REMOVE_IT}`,
      [],
    ],
    ['qmail-import.lock', 'hardlink', 1, 'qmail-import.lock has 2 hard links', []],
    [
      'qmail-import.lock',
      'directory',
      1,
      `qmail-import.lock is a directory, not a regular file; refusing it ${REMOVE_IT}`,
      [],
    ],
    ['qmail-import.journal', 'fifo', 1, `qmail-import.journal ${NOT_REGULAR}`, []],
    ['qmail-import.journal', 'symlink', 1, 'qmail-import.journal is a symlink, not a regular file', []],
    ['qmail-import.journal', 'hardlink', 1, 'qmail-import.journal has 2 hard links', []],
    // maildirsize is checked before anything is written: nothing is.
    ['maildirsize', 'fifo', 1, `maildirsize ${NOT_REGULAR}`, []],
    ['maildirsize', 'symlink', 1, 'maildirsize is a symlink, not a regular file', []],
    ['maildirsize', 'hardlink', 1, 'maildirsize has 2 hard links', []],
    // Subscriptions are merged after the last folder.
    ['subscriptions', 'fifo', 1, `subscriptions ${NOT_REGULAR}`, ALL],
    ['courierimapsubscribed', 'symlink', 1, 'courierimapsubscribed is a symlink, not a regular file', ALL],
    ['new', 'symlink', 1, 'new is a symlink; refusing to follow it', []],
    ['cur', 'fifo', 1, 'cur is not a directory', []],
    ['tmp', 'symlink', 1, 'tmp is a symlink; refusing to follow it', []],
    // A folder is its own unit: the others are imported, the run says which failed.
    ['.Sent', 'symlink', 1, '.Sent is a symlink; refusing to follow it', ['.Archive', 'INBOX']],
    ['.Sent', 'fifo', 1, '.Sent is not a directory', ['.Archive', 'INBOX']],
  ];
  it.each(cases)('%s as a %s: exit %i, "%s", folders written %j', async (name, kind, code, error, written) => {
    const maildir = freshMaildir();
    const out = outside();
    const dirLike = ['new', 'cur', 'tmp', '.Sent'].includes(name);
    plant(maildir, name, kind, kind === 'symlink' && dirLike ? out.dir : out.file);
    const r = await importInto(maildir);
    expect(r.hung).toBeUndefined();
    expect(r.code, r.stderr).toBe(code);
    if (error) expect(r.output).toContain(error);
    // A FIFO in place of a subdirectory holds no mail; an empty one lets the tree be read.
    if (kind === 'fifo' && ['new', 'cur', 'tmp'].includes(name)) {
      fs.rmSync(path.join(maildir, name));
      fs.mkdirSync(path.join(maildir, name));
    }
    expect(foldersWritten(maildir)).toEqual(written);
    expect(fs.readFileSync(out.file, 'utf8')).toBe(OUTSIDE_TEXT);
    expect(fs.readdirSync(out.dir)).toEqual([]);
    expect(fs.existsSync(path.join(maildir, 'qmail-import.lock'))).toBe(name === 'qmail-import.lock');
  });
});

describe('a Maildir that is not the named owner’s', () => {
  it('owned by another user than --owner: a clear error, nothing written', async () => {
    const maildir = freshMaildir();
    const r = await importInto(maildir, ['--owner', SOURCE_MAIL_USER]);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/EACCES/);
    expect(foldersWritten(maildir)).toEqual([]);
  });

  it('owned by root: refused before anything is opened', async () => {
    const maildir = freshMaildir();
    fs.chownSync(maildir, 0, 0);
    const r = await importInto(maildir);
    expect(r.code).toBe(2);
    expect(r.output).toContain('refusing to write mail as root');
  });
});

describe('corrupt bookkeeping', () => {
  it('a journal with null, foreign and cut lines: skipped with a warning, every new entry readable', async () => {
    const maildir = freshMaildir();
    const journal = path.join(maildir, 'qmail-import.journal');
    const bad = 'null\n42\n{"folder":1}\nnot json\n{"folder":"INBOX","uidValidity":"1","ui';
    fs.writeFileSync(journal, bad, { mode: 0o600 });
    fs.chownSync(journal, a.owner.uid, a.owner.gid);
    const r = await importInto(maildir);
    expect(r.code, r.stderr).toBe(0);
    for (const n of [1, 2, 3, 4]) expect(r.output).toContain(`line ${n} is not a journal entry; skipped`);
    expect(foldersWritten(maildir)).toEqual(ALL);
    const text = fs.readFileSync(journal, 'utf8');
    expect(text.startsWith(`${bad}\n`)).toBe(true);
    const added = text
      .slice(bad.length + 1)
      .trimEnd()
      .split('\n');
    expect(added.map((l) => JSON.parse(l).folder).length).toBe(50);
  });

  it('a journal cut mid-line does not swallow the next entry: a message deleted here stays deleted', async () => {
    const b = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 310 }));
    expect((await runCli(['import', ...b.args])).code).toBe(0);
    const journal = path.join(b.maildir, 'qmail-import.journal');
    const text = fs.readFileSync(journal, 'utf8');
    fs.truncateSync(journal, text.length - 20);
    await withSourceImap(b.server, b.user, b.password, async (client) => {
      await client.append('INBOX', sampleMessages({ count: 1, seed: 311 })[0]!.raw, []);
    });
    const before = new Set(snapshotAllFolders(b.maildir).INBOX!.map((f) => f.sha256));
    expect((await runCli(['import', ...b.args])).code).toBe(0);
    const newest = snapshotAllFolders(b.maildir).INBOX!.find((f) => !before.has(f.sha256));
    expect(newest).toBeDefined();
    fs.unlinkSync(path.join(b.maildir, newest!.path));
    // --full: the source did not change, so without it STATUS alone would skip the INBOX.
    const again = await runCli(['import', ...b.args, '--json', '--full']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).users[0].inbox.history.keptDeleted).toHaveLength(1);
    expect(fs.existsSync(path.join(b.maildir, newest!.path))).toBe(false);
  });

  /** An account imported once, its journal's lines, and the INBOX file each line names. */
  async function importedJournal(count: number, seed: number) {
    const b = await makeAccount(sharedSource(), sampleMessages({ count, seed }));
    expect((await runCli(['import', ...b.args])).code).toBe(0);
    const journal = path.join(b.maildir, 'qmail-import.journal');
    const lines = fs.readFileSync(journal, 'utf8').trimEnd().split('\n');
    const inbox = snapshotAllFolders(b.maildir).INBOX!;
    const fileOf = (line: string) => inbox.find((f) => f.path.slice(4).split(':')[0] === JSON.parse(line).name)!.path;
    return { b, journal, lines, fileOf };
  }

  it('a 64 MiB journal line: skipped with a warning as it is read, the lines after it keep their meaning', async () => {
    const { b, journal, lines, fileOf } = await importedJournal(3, 320);
    // Read with a cost that grows with the square of the line's length, this one takes minutes.
    fs.writeFileSync(
      journal,
      Buffer.concat([Buffer.alloc(64 * 1024 * 1024, 'x'), Buffer.from(`\n${lines.join('\n')}\n`)]),
    );
    fs.unlinkSync(path.join(b.maildir, fileOf(lines[1]!)));
    const before = snapshotAllFolders(b.maildir);
    const again = await runCli(['import', ...b.args, '--json', '--full'], {}, { timeoutMs: HANG_MS });
    expect(again.hung).toBeUndefined();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('qmail-import.journal line 1 is longer than 65536 bytes; skipped');
    expect(again.stderr).not.toContain('line 2');
    expect(JSON.parse(again.stdout).users[0].inbox.history.keptDeleted).toHaveLength(1);
    expect(snapshotAllFolders(b.maildir)).toEqual(before);
  });

  it('journal lines in every shape ever read (no size, no sha256, a numeric uidValidity): deleted mail stays deleted', async () => {
    const { b, journal, lines, fileOf } = await importedJournal(6, 330);
    const shapes = [
      // The first version's line: no size, no stored.
      ({ size, stored, ...e }: Record<string, unknown>) => e,
      ({ sha256, ...e }: Record<string, unknown>) => e,
      (e: Record<string, unknown>) => ({ ...e, uidValidity: Number(e.uidValidity) }),
    ];
    const old = lines.map((l, i) => JSON.stringify(shapes[i % shapes.length]!(JSON.parse(l))));
    fs.writeFileSync(journal, `${old.join('\n')}\n`);
    // One message of each shape deleted here, one of each still here.
    for (const l of lines.slice(0, shapes.length)) fs.unlinkSync(path.join(b.maildir, fileOf(l)));
    const before = snapshotAllFolders(b.maildir);
    const again = await runCli(['import', ...b.args, '--json', '--full']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).users[0].inbox.history.keptDeleted).toHaveLength(shapes.length);
    expect(snapshotAllFolders(b.maildir)).toEqual(before);
    expect(again.stderr).not.toContain('not a journal entry');
  });

  it('a lock file of garbage (a killed run left it) is only information: the run goes on and removes it', async () => {
    const maildir = freshMaildir();
    const lock = path.join(maildir, 'qmail-import.lock');
    fs.writeFileSync(lock, Buffer.from([0, 255, 10, 32, 1]), { mode: 0o600 });
    fs.chownSync(lock, a.owner.uid, a.owner.gid);
    const r = await importInto(maildir);
    expect(r.code, r.stderr).toBe(0);
    expect(foldersWritten(maildir)).toEqual(ALL);
    expect(fs.existsSync(path.join(maildir, 'qmail-import.lock'))).toBe(false);
  });

  it('a maildirsize without a final newline gets one before our lines, one per folder', async () => {
    const maildir = freshMaildir();
    const quota = path.join(maildir, 'maildirsize');
    fs.writeFileSync(quota, '5000000000S', { mode: 0o600 });
    fs.chownSync(quota, a.owner.uid, a.owner.gid);
    expect((await importInto(maildir)).code).toBe(0);
    const use = (f: string) =>
      `${reference[f]!.reduce((n, e) => n + fs.statSync(path.join(a.maildir, f === 'INBOX' ? '' : f, e.path)).size, 0)} ${reference[f]!.length}`;
    expect(fs.readFileSync(quota, 'utf8')).toBe(`5000000000S\n${['INBOX', '.Sent', '.Archive'].map(use).join('\n')}\n`);
  });
});

describe('two at once', () => {
  it('40 pairs of processes racing for 40 Maildirs: exactly one of each pair holds the lock', async () => {
    const dirs = Array.from({ length: 40 }, () => freshMaildir());
    const holder = `
      const { lockMaildir } = await import(${JSON.stringify(path.resolve('dist/src/maildir/lock.js'))});
      const dirs = JSON.parse(process.argv[1]);
      process.stdin.once('data', async () => {
        const got = await Promise.all(dirs.map((d) => lockMaildir(d, {}).then(() => 1, () => 0)));
        process.stdout.write(JSON.stringify(got) + '\\n');
      });`;
    const procs = [0, 1].map(() =>
      spawn(process.execPath, ['--input-type=module', '-e', holder, JSON.stringify(dirs)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const answers = procs.map(
      (p) => new Promise<number[]>((resolve) => p.stdout.once('data', (d) => resolve(JSON.parse(String(d))))),
    );
    for (const p of procs) p.stdin.write('go\n');
    const [first, second] = await Promise.all(answers);
    // Both still hold what they took until their stdin closes.
    expect(first!.map((x, i) => x + second![i]!)).toEqual(dirs.map(() => 1));
    for (const p of procs) p.stdin.end();
    await Promise.all(procs.map((p) => new Promise((resolve) => p.once('exit', resolve))));
  });

  it('4 processes taking and releasing one lock 25 times each: never two hold it at once, none is left', async () => {
    const maildir = freshMaildir();
    const taker = `
      const fs = await import('node:fs');
      const { lockMaildir } = await import(${JSON.stringify(path.resolve('dist/src/maildir/lock.js'))});
      const maildir = process.argv[1];
      let held = 0, together = 0;
      while (held < 25) {
        const release = await lockMaildir(maildir, {}).catch((err) => {
          if (!err.message.includes('another qmail-import')) throw err;
        });
        if (!release) continue;
        // A file only the holder makes: finding it made means another holds the lock too.
        try { fs.writeFileSync(maildir + '/holder', '', { flag: 'wx' }); } catch { together += 1; }
        await new Promise((resolve) => setImmediate(resolve));
        fs.rmSync(maildir + '/holder', { force: true });
        await release();
        held += 1;
      }
      process.stdout.write(JSON.stringify(together));`;
    const runs = Array.from({ length: 4 }, () =>
      execFileAsync(process.execPath, ['--input-type=module', '-e', taker, maildir]).then((r) => JSON.parse(r.stdout)),
    );
    expect(await Promise.all(runs)).toEqual(Array(4).fill(0));
    expect(fs.readdirSync(maildir).sort()).toEqual(['cur', 'new', 'tmp']);
  });

  it('another user cannot hold the lock: an import goes on while `nobody` tries every way it has', async () => {
    const maildir = freshMaildir();
    // Others may even look into this Maildir; a killed run left its lock file there.
    fs.chmodSync(maildir, 0o755);
    const lock = path.join(maildir, 'qmail-import.lock');
    fs.writeFileSync(lock, 'killed run\n', { mode: 0o600 });
    fs.chownSync(lock, a.owner.uid, a.owner.gid);
    const { dev, ino } = fs.statSync(maildir);
    const squatter = `
      const fs = await import('node:fs');
      const { spawnSync } = await import('node:child_process');
      // The name an earlier version locked by: an abstract socket any local user can bind first.
      (await import('node:net')).createServer().listen({ path: '\\0qmail-import/${dev}/${ino}' });
      let locked = false;
      for (const flags of ['r', 'a']) {
        try {
          const fd = fs.openSync(${JSON.stringify(lock)}, flags);
          locked ||= spawnSync('flock', ['-n', '-x', '3'], { stdio: ['ignore', 'ignore', 'ignore', fd] }).status === 0;
        } catch {}
      }
      process.stdout.write(JSON.stringify({ locked }) + '\\n');
      process.stdin.on('end', () => process.exit(0)).resume();`;
    const nobody = execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim();
    const p = spawn(
      'setpriv',
      [
        `--reuid=${nobody}`,
        `--regid=${nobody}`,
        '--clear-groups',
        '--',
        process.execPath,
        '--input-type=module',
        '-e',
        squatter,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'], cwd: '/' },
    );
    const tried = await new Promise<string>((resolve) => p.stdout.once('data', (d) => resolve(String(d))));
    expect(JSON.parse(tried)).toEqual({ locked: false });
    const r = await importInto(maildir);
    p.stdin.end();
    await new Promise((resolve) => p.once('exit', resolve));
    expect(r.code, r.stderr).toBe(0);
    expect(foldersWritten(maildir)).toEqual(ALL);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('verify while an import holds the Maildir: says an import is running, compares nothing, exit 75', async () => {
    const b = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 340 }));
    // The import is held mid-fetch, the lock taken, no message written yet.
    const proxy = await startProxy(b.server.imapPort, {
      afterServer: /BODY\[\] \{\d+\}\r\n/,
      extraBytes: 10,
      action: 'stall',
    });
    const plain = sourceCliArgs(b.server, 'none');
    const via = plain.map((x) => (x === String(b.server.imapPort) ? String(proxy.port) : x));
    const rest = b.args.slice(sourceCliArgs(b.server, 'tls').length);
    const held = runCli(['import', ...via, ...rest], {}, { timeoutMs: HANG_MS });
    await proxy.fired;
    const verify = await runCli(['verify', ...b.args], {}, { timeoutMs: HANG_MS });
    await proxy.close();
    expect((await held).code).toBe(3);
    expect(verify.code, verify.output).toBe(75);
    expect(verify.stderr).toContain(`an import is running on this Maildir (${b.maildir}: ${os.hostname()} `);
    expect(verify.output).not.toMatch(/missing/);
    // Once the import is gone, verify compares again: the messages are not there.
    const after = await runCli(['verify', ...b.args]);
    expect(after.code).toBe(1);
  });

  it('two imports of one Maildir started together: one imports, the other is refused or finds it done', async () => {
    const maildir = freshMaildir();
    const [x, y] = await Promise.all([importInto(maildir), importInto(maildir)]);
    const codes = [x!.code, y!.code].sort();
    expect([
      [0, 0],
      [0, 1],
    ]).toContainEqual(codes);
    for (const r of [x!, y!]) if (r.code === 1) expect(r.output).toContain('another qmail-import');
    expect(snapshotAllFolders(maildir)).toEqual(reference);
    expect(fs.existsSync(path.join(maildir, 'qmail-import.lock'))).toBe(false);
  });
});
