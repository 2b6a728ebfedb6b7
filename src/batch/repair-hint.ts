// The closing lines of a batch that left accounts to do again: the command that does them, as
// printed, runnable (the same command would be refused: its log directory exists now).
import { plural } from '../report/text-parts.js';
import { shellWord } from '../shell-word.js';

/** Options that say which accounts and where the logs go: a re-run names its own. */
const ACCOUNTS = ['users', 'domain', 'all-vpopmail', 'log-dir'];

/**
 * The batch's own command line (`argv`, without node and the script), turned into a run over the
 * accounts in failed.txt with every other option as given, but those in `replaced`, which `mode`
 * and `tail` give anew. No log directory: the old one exists, the new run makes its own.
 */
function rerunCommand(
  argv: readonly string[],
  failedFile: string,
  replaced: readonly string[],
  mode: readonly string[],
  tail: readonly string[],
): string {
  const dropped = new Set([...ACCOUNTS, ...replaced]);
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const option = /^--([^=]+)(=.*)?$/.exec(arg);
    const name = option ? kebab(option[1] as string) : undefined;
    if (name === undefined || !dropped.has(name)) {
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
  return ['qmail-import', ...kept, ...mode, '--users', failedFile, ...tail].map(shellWord).join(' ');
}

/**
 * The run that repairs what verify found: an import then a verify (--mode both); with `restore`,
 * --restore all too (verify found messages deleted here since the import in some of them).
 */
export function repairCommand(argv: readonly string[], failedFile: string, restore: boolean): string {
  const tail = restore ? ['--restore', 'all'] : [];
  return rerunCommand(argv, failedFile, ['mode', 'restore'], ['--mode', 'both'], tail);
}

/** The footer's line for accounts that failed or were stopped: the command that finishes them. */
export function retryLine(name: string, argv: readonly string[], failedFile: string): string {
  return `${name}: to finish them (the same options, a log directory of its own): ${rerunCommand(argv, failedFile, [], [], [])}`;
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

/** yargs takes --logDir for --log-dir. */
function kebab(option: string): string {
  return option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
