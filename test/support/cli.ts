import { spawn } from 'node:child_process';
import path from 'node:path';

/** The built command, as the tests run it. */
export const CLI = path.resolve('dist/src/bin/qmail-import.js');

/** Command-line arguments with one option's value replaced (or the option dropped with `undefined`). */
export function withOption(args: string[], option: string, value: string | undefined): string[] {
  const i = args.indexOf(option);
  if (i < 0) return value === undefined ? args : [...args, option, value];
  return value === undefined
    ? [...args.slice(0, i), ...args.slice(i + 2)]
    : [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Both, for what a user reads on a terminal: the report (stdout) and errors and warnings (stderr). */
  output: string;
  /** With `measure`: the largest resident set of the run's processes (parent or worker), in KiB. */
  maxRssKiB?: number;
  /** Killed after `timeoutMs`: it hung. */
  hung?: boolean;
}

export interface CliOptions {
  /** Run under GNU time, for the peak memory. */
  measure?: boolean;
  /** Kill it (with its worker) after this long and report it as hung, so a hang fails the test, not the suite. */
  timeoutMs?: number;
  /** A command the CLI runs under, e.g. ['prlimit', '--fsize=65536', '--']. */
  wrapper?: string[];
  /** The working directory it runs in (default: the test's). */
  cwd?: string;
}

const RSS_MARK = 'qi-test-maxrss-kib';

/** Runs the built qmail-import as a user would, as a separate process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, options: CliOptions = {}): Promise<CliResult> {
  const { measure = false, timeoutMs, wrapper = [], cwd } = options;
  const time = measure ? ['/usr/bin/time', '-f', `${RSS_MARK} %M`] : [];
  const [command, ...argv] = [...wrapper, ...time, process.execPath, CLI, ...args] as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(cwd !== undefined ? { cwd } : {}),
      detached: timeoutMs !== undefined,
    });
    let hung = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            hung = true;
            process.kill(-(child.pid as number), 'SIGKILL');
          }, timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const m = new RegExp(`(?:Command exited with non-zero status \\d+\\n)?${RSS_MARK} (\\d+)\\n?$`).exec(stderr);
      if (measure && m) stderr = stderr.slice(0, m.index);
      resolve({
        code,
        stdout,
        stderr,
        output: `${stdout}${stderr}`,
        ...(m ? { maxRssKiB: Number(m[1]) } : {}),
        ...(hung ? { hung } : {}),
      });
    });
  });
}
