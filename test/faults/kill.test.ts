import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { CLI, runCli } from '../support/cli.js';
import { procStat, workersOf } from '../support/processes.js';
import { snapshotAllFolders, type TreeEntry } from '../support/maildir-tree.js';

// kill -9 at moments spread over a measured uninterrupted run: of an import (one process, which
// drops to the owner itself), and of a batch of that one account: its worker (the owner's process
// that writes) alone, its parent alone, and the killed worker left a zombie nobody reaps. Each is
// followed by a re-run that must end exactly like the uninterrupted run: the same files, bytes,
// mtimes, owner and mode, tmp/ empty, no lock left.

const MOMENTS = 30;
/** A re-run that has not ended by then hung: killed, and the test fails on `hung`. */
const HANG_MS = 120_000;
/** Polls for a process state are bounded: this many tries, 20 ms apart. */
const POLLS = 500;
const SMALL = [600, 1_200, 2_500, 900, 4_000];
/**
 * Messages in INBOX and in each of two folders. Each moment costs about one whole run (the killed
 * part and the re-run), so 30 moments of a 2,000-message run (11 s on the shared 2-core test
 * machine) would take six minutes; 300 keep the file near the 90 s the suite allows.
 */
const INBOX = 200;
const FOLDER = 50;

let a: Account;
let reference: Record<string, TreeEntry[]>;
let runMs = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freshMaildir(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-kill-'));
  fs.chownSync(home, a.owner.uid, a.owner.gid);
  return path.join(home, 'Maildir');
}

function argsFor(maildir: string): string[] {
  return a.args.map((x) => (x === a.maildir ? maildir : x));
}

/** The worker the batch forked, once it exists (undefined if the run ended first). */
async function workerOf(parent: ChildProcess): Promise<number | undefined> {
  for (let i = 0; i < POLLS && parent.exitCode === null && parent.signalCode === null; i++) {
    const [worker] = workersOf(parent.pid as number);
    if (worker !== undefined) return worker;
    await sleep(20);
  }
  return undefined;
}

/** Until PID is reaped or a zombie: a dead process, whoever its parent is. */
async function dead(pid: number): Promise<void> {
  for (let i = 0; i < POLLS; i++) {
    const s = procStat(pid);
    if (!s || s.state === 'Z') return;
    await sleep(20);
  }
  throw new Error(`process ${pid} did not end`);
}

/** A signal to a process that may have ended already (a run quicker this time than measured). */
function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

type Mode = 'whole run' | 'worker' | 'parent' | 'zombie worker';

/** The same import as a batch of one account (--mode import), whose work runs in a worker. */
function batchArgsFor(maildir: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-kill-batch-'));
  fs.writeFileSync(path.join(dir, 'users'), `${a.user}:${maildir}\n`, { mode: 0o600 });
  const common = a.args.filter(
    (x, i) => !['--user', '--maildir'].includes(x) && !['--user', '--maildir'].includes(a.args[i - 1] ?? ''),
  );
  return [
    'batch',
    '--users',
    path.join(dir, 'users'),
    '--log-dir',
    path.join(dir, 'logs'),
    '--mode',
    'import',
    '--create',
    ...common,
  ];
}

/** Starts an import into MAILDIR and kills it as MODE says after `ms`; resolves once all of it is dead. */
async function killedImport(maildir: string, ms: number, mode: Mode): Promise<void> {
  const args = mode === 'whole run' ? ['import', '--create', ...argsFor(maildir)] : batchArgsFor(maildir);
  const parent = spawn(process.execPath, [CLI, ...args], {
    detached: true,
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => parent.once('exit', resolve));
  // An import is one process: no worker to wait for.
  const worker = mode === 'whole run' ? Promise.resolve(undefined) : workerOf(parent);
  await sleep(ms);
  const w = await worker;
  if (mode === 'whole run' || w === undefined) kill(-(parent.pid as number), 'SIGKILL');
  else if (mode === 'parent') kill(parent.pid as number, 'SIGKILL');
  else if (mode === 'worker') kill(w, 'SIGKILL');
  else {
    // Once the worker holds the lock: the moment a zombie's lock would be in the way.
    for (let i = 0; i < POLLS && !fs.existsSync(path.join(maildir, 'qmail-import.lock')); i++) await sleep(20);
    // A stopped parent reaps nothing: the worker stays a zombie, as under a PID 1 that is no init.
    process.kill(parent.pid as number, 'SIGSTOP');
    process.kill(w, 'SIGKILL');
    await dead(w);
    expect(procStat(w)?.state).toBe('Z');
    await checkRerun(maildir, `${mode} at ${ms} ms`);
    process.kill(parent.pid as number, 'SIGKILL');
  }
  await exited;
  if (w !== undefined) await dead(w);
}

async function checkRerun(maildir: string, what: string): Promise<void> {
  const r = await runCli(['import', '--create', ...argsFor(maildir)], {}, { timeoutMs: HANG_MS });
  expect(r.hung, what).toBeUndefined();
  expect(r.code, `${what}: ${r.stderr}`).toBe(0);
  // tmp/ is part of the snapshot: equal trees mean every tmp/ is empty, as the reference's is.
  expect(snapshotAllFolders(maildir), what).toEqual(reference);
  expect(fs.existsSync(path.join(maildir, 'qmail-import.lock')), what).toBe(false);
}

/**
 * Puts messages straight into the source user's Maildir, as a local delivery would, for the real
 * Dovecot to serve: 2,000 APPENDs take the better part of a minute on a busy machine.
 */
function deliverToSource(folder: string, messages: ReturnType<typeof sampleMessages>): void {
  const home = path.dirname(a.server.maildirOf(a.user));
  const { uid, gid } = fs.statSync(home);
  const dir = path.join(a.server.maildirOf(a.user), folder);
  for (const d of [a.server.maildirOf(a.user), dir, ...['tmp', 'new', 'cur'].map((s) => path.join(dir, s))]) {
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    fs.chownSync(d, uid, gid);
  }
  if (folder) fs.writeFileSync(path.join(dir, 'maildirfolder'), '');
  messages.forEach((m, i) => {
    const seen = m.flags.includes('\\Seen');
    const file = path.join(
      dir,
      seen ? 'cur' : 'new',
      `${m.internalDate.getTime() / 1000}.M${i}P1.source${seen ? ':2,S' : ''}`,
    );
    fs.writeFileSync(file, m.raw.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
    fs.chownSync(file, uid, gid);
    fs.utimesSync(file, m.internalDate, m.internalDate);
  });
}

beforeAll(async () => {
  a = await makeAccount(sharedSource(), []);
  deliverToSource('', sampleMessages({ count: INBOX, seed: 400, sizes: SMALL }));
  deliverToSource('.Sent', sampleMessages({ count: FOLDER, seed: 401, sizes: SMALL }));
  deliverToSource('.Archive', sampleMessages({ count: FOLDER, seed: 402, sizes: SMALL }));
  // The first run also has Dovecot index the source: the run measured is the second, into a new Maildir.
  const warm = await runCli(['import', ...a.args]);
  expect(warm.code, warm.stderr).toBe(0);
  const measured = freshMaildir();
  const started = Date.now();
  const r = await runCli(['import', '--create', ...argsFor(measured)]);
  runMs = Date.now() - started;
  expect(r.code, r.stderr).toBe(0);
  reference = snapshotAllFolders(measured);
  expect(snapshotAllFolders(a.maildir)).toEqual(reference);
  process.stderr.write(`kill.test: an uninterrupted run of ${INBOX + 2 * FOLDER} messages took ${runMs} ms\n`);
  expect(Object.fromEntries(Object.entries(reference).map(([f, t]) => [f, t.length]))).toEqual({
    INBOX,
    '.Sent': FOLDER,
    '.Archive': FOLDER,
  });
}, 300_000);

describe(`kill -9 during an import of ${INBOX + 2 * FOLDER} messages in three folders`, () => {
  it(`at ${MOMENTS} moments, of an import or of a batch's worker or parent: the re-run ends exactly like an uninterrupted run`, async () => {
    const modes: Mode[] = ['whole run', 'worker', 'parent'];
    for (let i = 0; i < MOMENTS; i++) {
      const ms = Math.round((runMs * (i + 0.5)) / MOMENTS);
      const mode = modes[i % modes.length] as Mode;
      const maildir = freshMaildir();
      await killedImport(maildir, ms, mode);
      await checkRerun(maildir, `${mode} killed at ${ms} of ${runMs} ms`);
    }
  }, 600_000);

  it("a batch's killed worker left a zombie holds no lock: the re-run beside it ends exactly like an uninterrupted run", async () => {
    await killedImport(freshMaildir(), 0, 'zombie worker');
  });
});
