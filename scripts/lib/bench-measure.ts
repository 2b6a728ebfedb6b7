import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SystemUser } from './system-users.js';

/** One timed run: wall seconds from spawn to exit (process start included) and peak RSS. */
export interface Measured {
  seconds: number;
  /** Largest resident set of the command or any process it waited for (GNU time's figure). */
  rssMiB: number;
  /** User plus system CPU of the command and every process it waited for (NaN: not known). */
  cpuSeconds: number;
}

/** A run that did not finish cleanly stays in the results with why. */
export type Outcome = Measured | { failed: string };

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user (setpriv drops uid, gid and groups), as a mail user runs mbsync. */
  as?: SystemUser;
  /** Every load is bounded: a command still running after this is killed and counted failed. */
  timeoutS?: number;
  /** The exit status that means success (a usage error's 2 when that is what is timed). */
  expectExit?: number;
}

export const DEFAULT_TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 1800);

/** Runs argv under `/usr/bin/time -v`; exit status other than 0 is a failure with the stderr tail. */
export function measure(argv: string[], o: RunOptions = {}): Outcome {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-bench-time-')), 'time');
  const drop = o.as ? ['setpriv', '--reuid', String(o.as.uid), '--regid', String(o.as.gid), '--init-groups', '--'] : [];
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-v', '-o', report, ...drop, ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...o.env },
    cwd: o.cwd,
    timeout: (o.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const timeText = readAndRemove(report);
  if (r.error) return { failed: `${argv[0]}: ${r.error.message}` };
  if (r.status !== (o.expectExit ?? 0))
    return { failed: `${argv[0]} exited ${r.status ?? r.signal}: ${lastLine(r.stderr.toString())}` };
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeText);
  if (!rss) return { failed: `${argv[0]}: no peak RSS in /usr/bin/time's report` };
  const cpu = ['User', 'System'].map((k) =>
    Number(new RegExp(`${k} time \\(seconds\\): ([\\d.]+)`).exec(timeText)?.[1]),
  );
  return { seconds, rssMiB: Number(rss[1]) / 1024, cpuSeconds: (cpu[0] as number) + (cpu[1] as number) };
}

/**
 * Runs every contender `rounds` times, round by round (`before` prepares a round for all of them:
 * new mail, say), and keeps each one's fastest run (the machine is shared: the best run is the
 * one least disturbed) with its largest peak RSS over all rounds (memory is not noise). A failed
 * round fails that contender, which then sits out the rest.
 */
export async function bestOfEach(
  rounds: number,
  contenders: readonly [string, (round: number) => Outcome | Promise<Outcome>][],
  before?: (round: number) => void,
): Promise<Map<string, Outcome>> {
  const results = new Map<string, Outcome>();
  for (let round = 0; round < rounds; round++) {
    before?.(round);
    for (const [name, run] of contenders) {
      const previous = results.get(name);
      if (previous && 'failed' in previous) continue;
      const o = await run(round);
      if ('failed' in o || !previous) results.set(name, o);
      else
        results.set(name, {
          seconds: Math.min(previous.seconds, o.seconds),
          rssMiB: Math.max(previous.rssMiB, o.rssMiB),
          cpuSeconds: o.seconds < previous.seconds ? o.cpuSeconds : previous.cpuSeconds,
        });
    }
  }
  return results;
}

/** bestOfEach for one contender. */
export async function bestOf(rounds: number, run: (round: number) => Outcome | Promise<Outcome>): Promise<Outcome> {
  return (await bestOfEach(rounds, [['', run]])).get('') ?? { failed: 'no rounds run' };
}

/** Times an in-process operation: no process start, and no RSS of its own (NaN). */
export async function timeAsync(run: () => Promise<unknown>): Promise<Outcome> {
  const started = process.hrtime.bigint();
  try {
    await run();
  } catch (err) {
    return { failed: (err as Error).message };
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rssMiB: NaN, cpuSeconds: NaN };
}

/** A command's version line, or why there is none. */
export function versionOf(argv: string[], pick: RegExp = /\S.*/): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return `not available (${r.error.message})`;
  return pick.exec(`${r.stdout}\n${r.stderr}`)?.[0]?.trim() ?? 'unknown';
}

/** Runs a setup step; a failure stops the benchmark with the command and its stderr. */
export function sh(argv: string[], o: Omit<RunOptions, 'as'> = {}): void {
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...o.env },
    cwd: o.cwd,
    timeout: (o.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000,
    killSignal: 'SIGKILL',
  });
  if (r.status !== 0)
    throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.toString().slice(-800)}`);
}

function readAndRemove(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines[lines.length - 1] ?? 'no error output').slice(0, 300);
}
