import { spawn } from 'node:child_process';
import path from 'node:path';

const CLI = path.resolve('dist/src/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** With `measure`: the largest resident set of the run's processes (parent or worker), in KiB. */
  maxRssKiB?: number;
}

const RSS_MARK = 'qi-test-maxrss-kib';

/** Runs the built qmail-import as a user would, as a separate process; `measure`: under GNU time, for its peak memory. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, measure = false): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const command = measure
      ? ['/usr/bin/time', '-f', `${RSS_MARK} %M`, process.execPath, CLI, ...args]
      : [process.execPath, CLI, ...args];
    const child = spawn(command[0] as string, command.slice(1), {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = new RegExp(`(?:Command exited with non-zero status \\d+\\n)?${RSS_MARK} (\\d+)\\n?$`).exec(stderr);
      if (measure && m) stderr = stderr.slice(0, m.index);
      resolve({ code, stdout, stderr, ...(m ? { maxRssKiB: Number(m[1]) } : {}) });
    });
  });
}
