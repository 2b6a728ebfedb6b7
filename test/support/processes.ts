import fs from 'node:fs';

/** What /proc says of a process (latin1: argv and environment are bytes); throws once it is gone. */
export const readProc = (pid: number, what: string) => fs.readFileSync(`/proc/${pid}/${what}`).toString('latin1');

/** Field 3 (state) and field 4 (parent pid) of /proc/PID/stat; undefined once the process is reaped. */
export function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readProc(pid, 'stat');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state as string, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** Process ids whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && procStat(Number(d))?.ppid === pid)
    .map(Number);
}

/** A batch's owner workers (owner/worker.ts), not its other children (getent, qmail-pop3d). */
export function workersOf(pid: number): number[] {
  return childrenOf(pid).filter((c) => {
    try {
      return readProc(c, 'cmdline').includes('worker.js');
    } catch {
      return false;
    }
  });
}
