import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** Who ran what, where and when: the head of every log and summary, as imapsync's logs begin. */
export interface RunInfo {
  /** The command line as typed (no option takes a password: README). */
  command: string;
  version: string;
  host: string;
  /** ISO 8601, UTC. */
  startedAt: string;
}

/** The run's heading lines, each ending in a newline. */
export function runHeading(run: RunInfo): string {
  return `qmail-import ${run.version} on ${run.host}, started ${run.startedAt}\ncommand: ${run.command}\n`;
}

/**
 * What stays after a batch run: a directory (mode 0700: logs name users and folders) with one log
 * per account, the summary as text and JSON, and failed.txt. Nothing here ever holds a password
 * but failed.txt, which repeats users-file lines as they came (mode 0600, like the users file).
 */
export class RunLog {
  private readonly names = new Set<string>();

  private constructor(
    readonly dir: string,
    readonly run: RunInfo,
  ) {}

  /** --log-dir DIR, else ./qmail-import-logs/RUN-TIMESTAMP; a new, empty directory either way. */
  static create(given: string | undefined, run: RunInfo): RunLog {
    const stamp = path.join('qmail-import-logs', run.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z'));
    let dir = given ?? stamp;
    // Two default runs within one second each get a directory of their own.
    for (let n = 2; !makeDir(dir); n++) {
      if (given !== undefined) throw new UsageError(`--log-dir ${dir} exists already: give a new directory`);
      dir = `${stamp}-${n}`;
    }
    // mkdir's mode is cut by the umask; 0700 is what is promised.
    fs.chmodSync(dir, 0o700);
    // Absolute: the footer's paths and commands still hold after a cd.
    return new RunLog(path.resolve(dir), run);
  }

  /** A log file of its own for one account, named after it, begun by the run's heading. */
  accountLog(account: string): (line: string) => void {
    const base = account.replace(/[^A-Za-z0-9._@+-]/g, '_').replace(/^\./, '_');
    let name = base;
    for (let n = 2; this.names.has(name); n++) name = `${base}.${n}`;
    this.names.add(name);
    const file = path.join(this.dir, `${name}.log`);
    let heading = runHeading(this.run);
    return (line) => {
      fs.appendFileSync(file, `${heading}${new Date().toISOString()} ${line.replace(/\n+$/, '')}\n`, { mode: 0o600 });
      heading = '';
    };
  }

  write(name: string, text: string): string {
    const file = path.join(this.dir, name);
    fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    return file;
  }
}

/** Creates DIR (and its parents) mode 0700; false if DIR exists already. */
function makeDir(dir: string): boolean {
  try {
    fs.mkdirSync(path.dirname(path.resolve(dir)), { recursive: true, mode: 0o700 });
    fs.mkdirSync(dir, { mode: 0o700 });
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new UsageError(`--log-dir ${dir}: cannot create: ${code}`);
  }
}
