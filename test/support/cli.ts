import { spawn } from 'node:child_process';
import path from 'node:path';

const CLI = path.resolve('dist/src/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed after `timeoutMs`: it hung. */
  hung?: boolean;
}

/** Runs the built qmail-import as a user would, as a separate process; one still running after
 *  `timeoutMs` is killed with its worker and reported as hung, so a hang fails the test, not the suite. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs?: number,
  /** A command the CLI runs under, e.g. ['prlimit', '--fsize=65536', '--']. */
  wrapper: string[] = [],
): Promise<CliResult> {
  const [command, ...argv] = [...wrapper, process.execPath, CLI, ...args] as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
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
      resolve({ code, stdout, stderr, ...(hung ? { hung } : {}) });
    });
  });
}
