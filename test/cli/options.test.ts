import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { gatherRepeated } from '../../src/cli/option-definitions.js';
import { jobFromArgs, type CommonArgs } from '../../src/cli/options.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-options-'));
const fileWith = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
};
const args = (over: Partial<CommonArgs> = {}): CommonArgs => ({
  host: 'old.example.com',
  timeout: 120,
  security: 'tls',
  insecure: false,
  allowSymlinkedMaildir: false,
  json: false,
  verbose: false,
  uidl: 'auto',
  folders: 'all',
  apop: false,
  dryRun: false,
  quiet: false,
  user: 'alice',
  maildir: '/home/alice/Maildir',
  ...over,
});
const ENV = { QMAIL_IMPORT_PASSWORD: 'from-env' };
function job(over: Partial<CommonArgs> = {}, env: NodeJS.ProcessEnv = ENV) {
  const warnings: string[] = [];
  return { job: jobFromArgs(args(over), env, (l) => warnings.push(l)), warnings };
}
const usageError = (over: Partial<CommonArgs>, env: NodeJS.ProcessEnv = ENV): string => {
  try {
    job(over, env);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  return 'no UsageError';
};

describe('jobFromArgs', () => {
  it('makes a job for the user with both protocols on the host, default TLS ports, and the password from the environment', () => {
    const { job: j, warnings } = job();
    expect(j).toMatchObject({
      user: 'alice',
      maildir: '/home/alice/Maildir',
      password: 'from-env',
      imap: { host: 'old.example.com', port: 993, security: 'tls', insecure: false },
      pop3: { host: 'old.example.com', port: 995, security: 'tls' },
      folders: 'all',
      dryRun: false,
      deleteGone: false,
      content: 0,
    });
    expect(warnings).toEqual([]);
  });

  it('takes per-protocol hosts and ports, --delete and --content', () => {
    const { job: j } = job({
      host: undefined,
      imapHost: 'imap.x',
      pop3Host: 'pop.x',
      pop3Port: 1110,
      delete: true,
      content: '25',
    });
    expect([j.imap.host, j.imap.port, j.pop3.host, j.pop3.port, j.deleteGone, j.content]).toEqual([
      'imap.x',
      993,
      'pop.x',
      1110,
      true,
      25,
    ]);
    expect(job({ content: 'all' }).job.content).toBe('all');
  });

  it('takes --max-size in bytes or with K, M, G (powers of 1024), and none by default', () => {
    expect(['1000', '512K', '10m', '2G'].map((maxSize) => job({ maxSize }).job.maxSize)).toEqual([
      1000,
      512 * 1024,
      10 * 1024 * 1024,
      2 * 1024 ** 3,
    ]);
    expect(job().job.maxSize).toBeUndefined();
  });

  it('reads the first line of --password-file, over the environment', () => {
    const file = fileWith('pw', 'se:cret\nsecond line\n');
    expect(job({ passwordFile: file }).job.password).toBe('se:cret');
  });

  it('logs in as the admin with the admin password when --admin-user is given', () => {
    const file = fileWith('admin-pw', 'admin-secret\n');
    const { job: j } = job({ adminUser: 'root', adminPasswordFile: file });
    expect([j.admin, j.password]).toEqual(['root', 'admin-secret']);
  });

  it('warns for --insecure, and for clear text to a host that is not loopback only', () => {
    expect(job({ insecure: true }).warnings.join('\n')).toMatch(/--insecure/);
    expect(job({ security: 'none' }).warnings.join('\n')).toMatch(
      /passwords cross the network to old\.example\.com in clear text/,
    );
    const { job: local, warnings } = job({ security: 'none', host: '127.0.0.1' });
    expect([local.imap.port, local.pop3.port, warnings]).toEqual([143, 110, []]);
  });

  it.each<[string, Partial<CommonArgs>, string]>([
    ['an empty maildir', { maildir: ' ' }, '--maildir must not be empty'],
    ['no host', { host: undefined }, 'no IMAP host: give --host or --imap-host'],
    ['a bad --include', { include: '(' }, '--include (: not a regular expression'],
    ['--admin-user alone', { adminUser: 'root' }, '--admin-user and --admin-password-file go together'],
    ['a --content that is not a number', { content: 'some' }, '--content some: give a number of messages or "all"'],
    [
      'a missing --password-file',
      { passwordFile: path.join(dir, 'absent') },
      `--password-file ${path.join(dir, 'absent')}: cannot read: ENOENT`,
    ],
    ['a --qmail-pop3d that is not executable', { qmailPop3d: path.join(dir, 'absent') }, 'not an executable file'],
    [
      'a --max-size that is no size',
      { maxSize: '10MB' },
      '--max-size 10MB: give a size above 0 in bytes, or with K, M or G',
    ],
    ['a --max-size of 0', { maxSize: '0' }, '--max-size 0: give a size above 0'],
  ])('refuses %s', (_what, over, message) => {
    expect(usageError(over)).toContain(message);
  });

  it('refuses to run without a password, and an empty first line of the password file', () => {
    expect(usageError({}, {})).toBe('no password: give --password-file F or set QMAIL_IMPORT_PASSWORD');
    const empty = fileWith('empty-pw', '\nsecret on line 2\n');
    expect(usageError({ passwordFile: empty })).toBe(`--password-file ${empty}: first line is empty`);
  });

  it('never puts the password in the message of a usage error', () => {
    const file = fileWith('pw2', 'hunter2\n');
    expect(usageError({ passwordFile: file, include: '[' })).not.toContain('hunter2');
  });
});

describe('gatherRepeated', () => {
  it('keeps every --restore value where the option first stood, however it was given', () => {
    const argv = ['import', '--restore', 'a', '--user', 'u', '--restore=b', 'c', '--restore', 'Old Mail:3', '--json'];
    expect(gatherRepeated(argv, 'restore')).toEqual([
      'import',
      '--restore',
      'a',
      'b',
      'c',
      'Old Mail:3',
      '--user',
      'u',
      '--json',
    ]);
    expect(gatherRepeated(['verify', '--user', 'u'], 'restore')).toEqual(['verify', '--user', 'u']);
  });
});
