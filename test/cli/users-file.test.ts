import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { readUsersFile } from '../../src/cli/users-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-users-'));
let count = 0;
/** A users file with these contents and mode; returns its path. */
function usersFile(text: string, mode = 0o600): string {
  count += 1;
  const file = path.join(dir, `users${count}`);
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return file;
}
function read(file: string): { users: ReturnType<typeof readUsersFile>; warnings: string[] } {
  const warnings: string[] = [];
  return { users: readUsersFile(file, (l) => warnings.push(l)), warnings };
}
const failure = (file: string): UsageError => {
  try {
    read(file);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('no UsageError');
};

describe('readUsersFile', () => {
  it('reads USER:MAILDIR[:PASSWORD] lines with their numbers, skipping comments and blank lines', () => {
    const file = usersFile('# users\n\nalice:/home/alice/Maildir\r\n  # bob later\nbob:/home/bob/Maildir:pa:ss:\n');
    const { users, warnings } = read(file);
    expect(users).toEqual([
      { user: 'alice', maildir: '/home/alice/Maildir', line: 3 },
      { user: 'bob', maildir: '/home/bob/Maildir', password: 'pa:ss:', line: 5 },
    ]);
    expect(warnings).toEqual([]);
  });

  it('keeps an empty password given as such apart from none', () => {
    const { users } = read(usersFile('carol:/m/carol:\n'));
    expect(users).toEqual([{ user: 'carol', maildir: '/m/carol', password: '', line: 1 }]);
  });

  it('warns, without the password, when a file with passwords is readable by others', () => {
    const { warnings } = read(usersFile('alice:/m/alice:secret\n', 0o644));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/readable by others: chmod 600/);
    expect(warnings[0]).not.toContain('secret');
    expect(read(usersFile('alice:/m/alice\n', 0o644)).warnings).toEqual([]);
  });

  it.each([
    ['a line without a maildir', 'alice:/m/alice\nbob\n', 'line 2: expected USER:MAILDIR[:PASSWORD]'],
    ['an empty user', ':/m/x\n', 'line 1: expected USER:MAILDIR[:PASSWORD]'],
    ['a relative maildir', 'alice:Maildir\n', 'line 1: maildir Maildir is not an absolute path'],
    ['a maildir named twice', 'a:/m/x\n\nb:/m/x:pw\n', 'line 3: maildir /m/x already named on line 1'],
  ])('refuses %s as a usage error naming the file and line', (_what, text, message) => {
    const file = usersFile(text);
    const err = failure(file);
    expect(err.message).toBe(`--users ${file} ${message}`);
  });

  it('refuses a file it cannot read, naming it', () => {
    const missing = path.join(dir, 'absent');
    expect(failure(missing).message).toBe(`--users ${missing}: cannot read: ENOENT`);
  });
});
