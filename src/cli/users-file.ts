import fs from 'node:fs';
import { UsageError } from '../errors.js';
import { readText } from './options.js';

/** One line of a batch users file. */
export interface UserLine {
  user: string;
  maildir: string;
  /** Absent when the line gives none: the run's --password-file or QMAIL_IMPORT_PASSWORD is used. */
  password?: string;
  line: number;
}

/**
 * Reads a users file: one `USER:MAILDIR[:PASSWORD]` per line, `#` comments and blank lines
 * ignored. The password is the rest of the line, so it may hold colons. Every line is checked
 * before any user is touched; a bad line is a usage error naming its number.
 */
export function readUsersFile(file: string, warn: (line: string) => void): UserLine[] {
  const text = readText(file, '--users');
  const users: UserLine[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const first = raw.indexOf(':');
    const second = first < 0 ? -1 : raw.indexOf(':', first + 1);
    const user = first < 0 ? raw : raw.slice(0, first);
    const maildir = first < 0 ? '' : second < 0 ? raw.slice(first + 1) : raw.slice(first + 1, second);
    if (!user.trim() || !maildir.trim())
      throw new UsageError(`--users ${file} line ${line}: expected USER:MAILDIR[:PASSWORD]`);
    if (!maildir.startsWith('/'))
      throw new UsageError(`--users ${file} line ${line}: maildir ${maildir} is not an absolute path`);
    const earlier = seen.get(maildir);
    if (earlier !== undefined)
      throw new UsageError(`--users ${file} line ${line}: maildir ${maildir} already named on line ${earlier}`);
    seen.set(maildir, line);
    users.push({ user, maildir, ...(second < 0 ? {} : { password: raw.slice(second + 1) }), line });
  });
  if (users.some((u) => u.password !== undefined) && (fs.statSync(file).mode & 0o077) !== 0) {
    warn(`WARNING: --users ${file} holds passwords and is readable by others: chmod 600 it`);
  }
  return users;
}
