import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedFolders } from '../../scripts/lib/seed.js';
import { withSourceImap } from '../../scripts/lib/source-imap.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { CLI, runCli } from '../support/cli.js';
import { workersOf } from '../support/processes.js';

// As root, a batch hands its accounts to worker processes bound to the mailbox owner, at most
// --jobs of them, each serving account after account (import, then verify). A worker that dies
// fails its account alone; the batch starts another for the next account.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Watched {
  code: number | null;
  /** stdout and stderr. */
  output: string;
  /** Every worker pid seen while the batch ran. */
  workers: Set<number>;
  logDir: string;
}

/** Runs a batch over `accounts`, noting its workers every few ms; `during` may act on them. */
async function watchedBatch(
  accounts: Account[],
  extra: string[],
  during: (workers: number[]) => void = () => undefined,
): Promise<Watched> {
  const server = sharedSource();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-workers-'));
  const users = path.join(dir, 'users');
  fs.writeFileSync(users, accounts.map((a) => `${a.user}:${a.maildir}:${a.password}\n`).join(''), { mode: 0o600 });
  const logDir = path.join(dir, 'logs');
  const args = ['batch', '--users', users, '--log-dir', logDir, '--host', server.host, '--security', 'none'];
  args.push('--imap-port', String(server.imapPort), '--pop3-port', String(server.pop3Port), ...extra);
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const s of [child.stdout, child.stderr]) s.on('data', (d) => (output += d));
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      ended = true;
      resolve(code);
    }),
  );
  const workers = new Set<number>();
  while (!ended) {
    const now = workersOf(child.pid as number);
    for (const w of now) workers.add(w);
    during(now);
    await sleep(5);
  }
  return { code: await exited, output, workers, logDir };
}

const statuses = (logDir: string): string[] =>
  JSON.parse(fs.readFileSync(path.join(logDir, 'summary.json'), 'utf8')).accounts.map(
    (a: { status: string }) => a.status,
  );

const messagesIn = (maildir: string) =>
  fs.readdirSync(path.join(maildir, 'new')).length + fs.readdirSync(path.join(maildir, 'cur')).length;

/** Two messages in each of `folders`, and more changes to each than a fresh Dovecot index of it counts. */
async function seedChanged(a: Account, folders: string[], seed: number): Promise<void> {
  const messages = (n: number) => sampleMessages({ count: 2, seed: seed + n });
  await seedFolders(
    a.server,
    a.user,
    a.password,
    folders.map((f, n) => ({ path: f, messages: messages(n) })),
  );
  await withSourceImap(a.server, a.user, a.password, async (client) => {
    for (const f of folders) {
      await client.mailboxOpen(f);
      for (let t = 0; t < 4; t++) {
        await client.messageFlagsAdd('1', ['\\Answered']);
        await client.messageFlagsRemove('1', ['\\Answered']);
      }
    }
  });
}

describe('batch workers, as root', () => {
  it('six accounts of one owner, import then verify, --jobs 2: two workers serve them all, files the owner’s', async () => {
    const server = sharedSource();
    const accounts = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) => makeAccount(server, sampleMessages({ count: 3, seed: 90 + i }))),
    );
    const run = await watchedBatch(accounts, ['--mode', 'both', '--jobs', '2']);
    expect(run.code, run.output).toBe(0);
    expect(statuses(run.logDir)).toEqual(Array(6).fill('done'));
    // One worker per account and command would be twelve; one per lane is two.
    expect(run.workers.size).toBeGreaterThanOrEqual(1);
    expect(run.workers.size).toBeLessThanOrEqual(2);
    for (const a of accounts) {
      expect(messagesIn(a.maildir)).toBe(3);
      for (const sub of ['new', 'cur'])
        for (const name of fs.readdirSync(path.join(a.maildir, sub))) {
          const st = fs.statSync(path.join(a.maildir, sub, name));
          expect([st.uid, st.gid]).toEqual([a.owner.uid, a.owner.gid]);
        }
    }
  });

  it("two accounts of three folders, --jobs 2: every folder's HIGHESTMODSEQ raised to the source's before its report, verify finds none below; so too after a --full run", async () => {
    const server = sharedSource();
    const folders = ['INBOX', 'Sent', 'Archive'];
    const accounts = await Promise.all(
      [1, 2].map(async (i) => {
        const a = await makeAccount(server, []);
        await seedChanged(a, folders, 140 + 3 * i);
        return a;
      }),
    );
    for (const extra of [[], ['--full']]) {
      const run = await watchedBatch(accounts, ['--mode', 'both', '--jobs', '2', '--imap-server', 'dovecot', ...extra]);
      expect(run.code, run.output).toBe(0);
      for (const a of accounts) {
        const log = fs.readFileSync(path.join(run.logDir, `${a.user}.log`), 'utf8');
        expect(log).toContain("HIGHESTMODSEQ at least the source's in 3");
        expect(log).toMatch(/IMAP: UIDVALIDITY as on the source, HIGHESTMODSEQ not below it, in 3 folders/);
      }
    }
  });

  it("a folder named with shell syntax gets its HIGHESTMODSEQ raised like any other: the worker's doveadm runs take each name as one word", async () => {
    const server = sharedSource();
    const odd = 'It\'s $(echo x) `id` ;|& "q"';
    const folders = ['INBOX', odd];
    const a = await makeAccount(server, []);
    await seedChanged(a, folders, 190);
    const run = await watchedBatch([a], ['--mode', 'both', '--imap-server', 'dovecot']);
    expect(run.code, run.output).toBe(0);
    const log = fs.readFileSync(path.join(run.logDir, `${a.user}.log`), 'utf8');
    expect(log).toContain("HIGHESTMODSEQ at least the source's in 2");
    expect(log).toMatch(/IMAP: UIDVALIDITY as on the source, HIGHESTMODSEQ not below it, in 2 folders/);
  });

  it('a worker killed mid-account fails that account alone: a new worker takes the rest, and failed.txt finishes it', async () => {
    const server = sharedSource();
    const big = await makeAccount(server, sampleMessages({ count: 400, seed: 97, sizes: [600] }));
    const rest = await Promise.all([1, 2].map((i) => makeAccount(server, sampleMessages({ count: 2, seed: 97 + i }))));
    let killed: number | undefined;
    const run = await watchedBatch([big, ...rest], ['--mode', 'import', '--jobs', '1'], (workers) => {
      // Once the first account's import holds its Maildir's lock: mid-way through writing.
      if (
        killed === undefined &&
        workers[0] !== undefined &&
        fs.existsSync(path.join(big.maildir, 'qmail-import.lock'))
      ) {
        killed = workers[0];
        process.kill(killed, 'SIGKILL');
      }
    });
    expect(killed).toBeDefined();
    expect(run.code, run.output).toBe(1);
    expect(statuses(run.logDir)).toEqual(['failed', 'done', 'done']);
    expect(run.output).toMatch(/worker for \S+ ended without an answer \(SIGKILL\)/);
    expect([...run.workers].filter((w) => w !== killed).length).toBeGreaterThanOrEqual(1);
    expect(rest.map((a) => messagesIn(a.maildir))).toEqual([2, 2]);

    const retry = await runCli([
      'batch',
      ...['--users', path.join(run.logDir, 'failed.txt'), '--log-dir', path.join(run.logDir, 'retry')],
      ...['--host', server.host, '--security', 'none', '--mode', 'import'],
      ...['--imap-port', String(server.imapPort), '--pop3-port', String(server.pop3Port)],
    ]);
    expect(retry.code, retry.stderr).toBe(0);
    expect(messagesIn(big.maildir)).toBe(400);
    expect(fs.readdirSync(path.join(big.maildir, 'tmp'))).toEqual([]);
  });
});
