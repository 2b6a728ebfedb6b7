import fs from 'node:fs';
import { UsageError } from '../errors.js';
import { readOptionFile } from '../option-file.js';

/** One line of a batch users file, as written (`raw`, for failed.txt) and as understood. */
export type UsersLine = { line: number; raw: string; password?: string } & (
  | { user: string; maildir: string }
  /** A vpopmail address: its Maildir is found the way vpopmail finds it. */
  | { address: string }
);

const ADDRESS = /^[^\s@:/]+@[A-Za-z0-9.-]+$/;

function isAddress(text: string): boolean {
  return ADDRESS.test(text);
}

/**
 * Reads a users file, one account per line: `USER:MAILDIR[:PASSWORD]`, or a vpopmail `ADDRESS`,
 * or `ADDRESS::PASSWORD`; `#` comments and blank lines ignored. The password is the rest of the
 * line, so it may hold colons. Every line is checked before any account is touched: all bad
 * lines are named at once, by number, as a usage error. A file others can read is refused, since
 * it may hold passwords (and failed.txt, written in the same form, does).
 */
export function readUsersFile(file: string): UsersLine[] {
  const text = readOptionFile(file, '--users');
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new UsageError(
      `--users ${file} is open to group or others (mode ${mode.toString(8)}); it may hold passwords: chmod 600 ${file}`,
    );
  const lines: UsersLine[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const parsed = parseLine(raw, line);
    if (typeof parsed === 'string') {
      problems.push(`line ${line}: ${parsed}`);
      return;
    }
    const key = 'address' in parsed ? parsed.address.toLowerCase() : parsed.maildir;
    const earlier = seen.get(key);
    if (earlier !== undefined)
      problems.push(`line ${line}: ${'address' in parsed ? '' : 'maildir '}${key} already named on line ${earlier}`);
    seen.set(key, line);
    lines.push(parsed);
  });
  if (problems.length > 0) throw new UsageError(`--users ${file}:\n  ${problems.join('\n  ')}`);
  return lines;
}

/** The line understood, or what is wrong with it. */
function parseLine(raw: string, line: number): UsersLine | string {
  const first = raw.indexOf(':');
  if (first < 0) return isAddress(raw) ? { line, raw, address: raw } : 'expected USER:MAILDIR[:PASSWORD] or ADDRESS';
  const second = raw.indexOf(':', first + 1);
  const user = raw.slice(0, first);
  const maildir = second < 0 ? raw.slice(first + 1) : raw.slice(first + 1, second);
  const password = second < 0 ? {} : { password: raw.slice(second + 1) };
  if (maildir === '' && isAddress(user)) return { line, raw, address: user, ...password };
  if (!user.trim() || !maildir.trim()) return 'expected USER:MAILDIR[:PASSWORD], ADDRESS or ADDRESS::PASSWORD';
  // Not echoed: with one colon too few (ADDRESS:PASSWORD) this field is the password.
  if (!maildir.startsWith('/')) return 'the second field (MAILDIR) is not an absolute path';
  return { line, raw, user, maildir, ...password };
}
