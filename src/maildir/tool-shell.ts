import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { shellWord } from '../shell-word.js';
import { userName } from './box-tools.js';

/** What a tool run left: its exit code (null: killed), and the end of what it said on stderr. */
export interface ToolExit {
  code: number | null;
  stderr: string;
}

/** How much of a failed run's stderr is kept: its last words. */
const STDERR_TAIL = 2000;

/**
 * A shell that starts the box's tools (doveadm) for this process. A Node process forks slowly,
 * the more so the bigger it is: a batch's worker pays 10–25 ms of CPU and of a blocked event loop
 * per program it starts itself (docs/imap-uids.md), a shell a fraction of that. So the shell is
 * started once and starts each run, in a subshell of its own so that runs go on side by side.
 * Every argument is one shell word (src/shell-word.ts): no name (a folder's comes from the
 * source) is read as shell syntax. The shell works in a temp home of its own, removed when this process ends (or dies:
 * then the shell does it, as its input ends).
 */
export class ToolShell {
  private next = 0;
  private readonly pending = new Map<
    number,
    { pid?: number; killed?: boolean; done: (exit: ToolExit | Error) => void }
  >();
  private said = '';
  private ended = false;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    /** Its working directory and HOME. */
    readonly home: string,
  ) {
    createInterface({ input: child.stdout }).on('line', (line) => this.answer(line));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (this.said = (this.said + d).slice(-STDERR_TAIL)));
    child.stdin.on('error', () => undefined);
    const end = (why: string) => {
      this.ended = true;
      for (const p of this.pending.values()) p.done(new Error(`the shell ended (${why}) ${this.said.trim()}`.trim()));
      this.pending.clear();
    };
    child.once('error', (err) => end(err.message));
    child.once('exit', (code, signal) => end(signal ?? `exit ${code}`));
    // It keeps nobody waiting: a run under way holds its own timer, and the shell ends with this
    // process, its home removed (its own trap does that when this process is killed).
    process.once('exit', () => {
      child.kill('SIGKILL');
      fsSync.rmSync(home, { recursive: true, force: true });
    });
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as Socket).unref();
  }

  /** A shell with `env` (besides HOME and USER) in a new temp home whose name starts with `prefix`. */
  static async start(prefix: string, env: Readonly<Record<string, string>>): Promise<ToolShell> {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    const child = spawn('/bin/sh', ['-s'], {
      cwd: home,
      env: { ...env, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, USER: userName() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Ctrl-C, a closing terminal or a TERM to the process group is this process's to act on (a
    // stop at the next safe point): the shell and the runs it starts, which inherit it, go on.
    child.stdin.write(`trap 'cd / && rm -rf -- "$HOME"' EXIT\ntrap '' INT HUP TERM\n`);
    return new ToolShell(child, home);
  }

  /** Whether it still takes runs. */
  get alive(): boolean {
    return !this.ended;
  }

  /**
   * Runs BINARY ARGS (stdin and stdout /dev/null) and resolves with how it ended; one still
   * running after `timeoutMs` is killed. Rejects only when the shell itself is gone.
   */
  run(binary: string, args: readonly string[], timeoutMs: number): Promise<ToolExit> {
    if (this.ended) return Promise.reject(new Error('the shell has ended'));
    const n = this.next++;
    const err = `err.${n}`;
    const command = [binary, ...args].map(shellWord).join(' ');
    return new Promise<ToolExit>((resolve, reject) => {
      const stuck = setTimeout(() => {
        const p = this.pending.get(n);
        if (!p) return;
        if (p.pid === undefined) {
          // The shell never started it: it is stuck itself.
          this.pending.delete(n);
          return p.done(new Error('the shell did not start it'));
        }
        p.killed = true;
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // Gone meanwhile: its exit status is on its way.
        }
      }, timeoutMs);
      this.pending.set(n, {
        done: (exit) => {
          clearTimeout(stuck);
          if (exit instanceof Error) reject(exit);
          else resolve(exit);
        },
      });
      // The subshell reports the tool's pid (for the timeout), then its exit status; each report
      // is one short write, whole even when runs finish together.
      this.child.stdin.write(
        `(${command} </dev/null >/dev/null 2>${err} & echo "${n} pid $!"; wait $!; r=$?; ` +
          `[ $r = 0 ] && rm -f ${err}; echo "${n} exit $r") &\n`,
      );
    });
  }

  private answer(line: string): void {
    const [n, what, value] = line.split(' ');
    const p = this.pending.get(Number(n));
    if (!p || value === undefined) return;
    if (what === 'pid') {
      p.pid = Number(value);
      return;
    }
    this.pending.delete(Number(n));
    const code = Number(value);
    if (code === 0) return p.done({ code, stderr: '' });
    const file = path.join(this.home, `err.${n}`);
    void fs
      .readFile(file, 'utf8')
      .catch(() => '')
      .then(async (stderr) => {
        await fs.rm(file, { force: true });
        p.done({ code: p.killed ? null : code, stderr: stderr.slice(-STDERR_TAIL) });
      });
  }
}
