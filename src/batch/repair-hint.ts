// The closing lines of a batch whose verify found differences: the command that repairs them.
import { plural } from '../report/text-parts.js';

/** Options that say which accounts, what to do and where the logs go: the repair names its own. */
const REPLACED = new Set(['users', 'domain', 'all-vpopmail', 'mode', 'log-dir', 'restore']);

/**
 * The batch's own command line (`argv`, without node and the script), turned into the run that
 * repairs what verify found: an import then a verify (--mode both) of the accounts in failed.txt,
 * with every other option as given; with `restore`, --restore all too (verify found messages
 * deleted here since the import in some of them). A new log directory: the old one exists.
 */
export function repairCommand(argv: readonly string[], failedFile: string, restore: boolean): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const option = /^--([^=]+)(=.*)?$/.exec(arg);
    const name = option ? kebab(option[1] as string) : undefined;
    if (name === undefined || !REPLACED.has(name)) {
      kept.push(arg);
      continue;
    }
    // Its values, unless given with '=': one, or (--restore takes several) all up to the next option.
    if (option?.[2] !== undefined) continue;
    const takesValue = name !== 'all-vpopmail' || /^(true|false)$/.test(argv[i + 1] ?? '');
    while (takesValue && i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) {
      i += 1;
      if (name !== 'restore') break;
    }
  }
  const words = [
    'qmail-import',
    ...kept,
    '--mode',
    'both',
    '--users',
    failedFile,
    ...(restore ? ['--restore', 'all'] : []),
  ];
  return words.map(shellWord).join(' ');
}

/** The footer's lines: which accounts verify found different, and the command that repairs them. */
export function repairLines(
  name: string,
  argv: readonly string[],
  failedFile: string,
  differ: number,
  deletedHere: number,
): string[] {
  if (differ === 0) return [];
  const restore = deletedHere > 0;
  return [
    `${name}: verify found differences in ${plural(differ, 'account')}; an import fetches again each file that is no longer what it wrote${restore ? ', --restore all brings back what verify found deleted here since the import (also mail a user deleted on purpose)' : ''}, then verify compares again:`,
    `  ${repairCommand(argv, failedFile, restore)}`,
  ];
}

/** A word as a shell reads it back: quoted unless plain. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** yargs takes --logDir for --log-dir. */
function kebab(option: string): string {
  return option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
