import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDomain, listDomains, resolveAddress } from '../../src/batch/vpopmail.js';
import { runCli } from '../support/cli.js';
import { VpopmailTree } from '../support/vpopmail-tree.js';

function usersFile(text: string, mode = 0o600): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-users-')), 'users');
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return file;
}

describe('batch input', () => {
  it('names every malformed line by number before anything runs (exit 2)', async () => {
    const logDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-logs-')), 'run');
    const file = usersFile(
      [
        '# header',
        'alice@example.com',
        'bob',
        'carol:relative/Maildir:pw',
        'dave@example.com::pw',
        'ALICE@example.com',
        '',
      ].join('\n'),
    );
    const r = await runCli(['batch', '--users', file, '--host', '127.0.0.1', '--log-dir', logDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 3: expected USER:MAILDIR[:PASSWORD] or ADDRESS');
    expect(r.stderr).toContain('line 4: the second field (MAILDIR) is not an absolute path');
    expect(r.stderr).toContain('line 6: alice@example.com already named on line 2');
    expect(r.stderr).not.toContain('line 5');
    expect(fs.existsSync(logDir)).toBe(false);
  });

  it('refuses a users file group or others can read, with the chmod that fixes it', async () => {
    const file = usersFile('alice@example.com::secret\n', 0o640);
    const r = await runCli(['batch', '--users', file, '--host', '127.0.0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`chmod 600 ${file}`);
    expect(r.stderr).not.toContain('secret');
  });

  it.each([
    [['--domain', 'example.com'], '--domain and --all-vpopmail log in with --admin-user'],
    [['--users', '/nonexistent', '--all-vpopmail'], 'name the accounts one way'],
    [['--domain', 'example.com', '--admin-user', 'a', '--login-format', '%x'], '--login-format %x'],
  ])('refuses %j with exit 2', async (args, message) => {
    const r = await runCli(['batch', ...args, '--host', '127.0.0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('vpopmail resolution', () => {
  const tree = new VpopmailTree();
  const [plainHome] = tree.addDomain('plain.test', ['alice', 'bob']);
  const hashedHomes = tree.addDomain('big.test', ['carol', 'dan'], { hashedDomain: true, vpasswd: false });
  fs.symlinkSync(path.join(tree.home, 'domains', 'plain.test'), path.join(tree.home, 'domains', 'alias.test'));

  it("follows vpasswd's home, hashed domains and hashed user directories, and alias domains", () => {
    expect(resolveAddress('Alice@plain.test', tree.home, '')).toMatchObject({ maildir: `${plainHome}/Maildir` });
    expect(resolveAddress('dan@big.test', tree.home, '')).toMatchObject({ maildir: `${hashedHomes[1]}/Maildir` });
    expect(resolveAddress('bob@alias.test', tree.home, '')).toMatchObject({ how: expect.stringContaining('vpasswd') });
    expect(resolveAddress('zed@plain.test', tree.home, '')).toEqual({
      problem: `zed@plain.test: no user zed in ${path.join(tree.home, 'domains', 'plain.test')}`,
    });
    expect(resolveAddress('x@nowhere.test', tree.home, '')).toMatchObject({
      problem: expect.stringContaining('no domain nowhere.test'),
    });
  });

  it('lists a domain and every real domain', () => {
    expect(listDomain(tree.home, 'big.test')).toEqual(['carol@big.test', 'dan@big.test']);
    expect(listDomains(tree.home)).toEqual(['big.test', 'plain.test']);
  });

  it('asks vuserinfo -d first when it is on PATH', () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-vuserinfo-'));
    fs.writeFileSync(
      path.join(bin, 'vuserinfo'),
      '#!/bin/sh\n[ "$1" = -d ] && [ "$2" = eve@sql.test ] && { echo /var/vpopmail/sql/eve; exit 0; }\necho "no such user" >&2; exit 1\n',
      { mode: 0o755 },
    );
    execFileSync(path.join(bin, 'vuserinfo'), ['-d', 'eve@sql.test']);
    expect(resolveAddress('eve@sql.test', tree.home, bin)).toEqual({
      home: '/var/vpopmail/sql/eve',
      maildir: '/var/vpopmail/sql/eve/Maildir',
      how: 'vuserinfo -d: /var/vpopmail/sql/eve',
    });
    expect(resolveAddress('alice@plain.test', tree.home, bin)).toMatchObject({
      problem: expect.stringContaining('vuserinfo -d'),
    });
  });
});

describe('the manual', () => {
  const man = fs.readFileSync('man/qmail-import.8', 'utf8');

  it('names every option the CLI accepts', async () => {
    const options = new Set<string>();
    for (const command of ['import', 'verify', 'batch', 'check']) {
      const help = (await runCli([command, '--help'])).stdout;
      for (const m of help.matchAll(/--([a-z][a-z0-9-]*)/g)) options.add(m[1] as string);
    }
    expect(options.size).toBeGreaterThan(30);
    expect([...options].filter((o) => !man.includes(`\\-\\-${o}`))).toEqual([]);
  });

  it("lists each option once under OPTIONS, and check's SYNOPSIS names --host", () => {
    const options = man.slice(man.indexOf('\n.SH OPTIONS'), man.indexOf('\n.SH "EXIT CODES"'));
    const heads = [...options.matchAll(/^\.TP\n(.*)$/gm)].flatMap((m) =>
      [...(m[1] as string).matchAll(/\\-\\-([a-z][a-z0-9-]*)/g)].map((o) => o[1] as string),
    );
    expect(heads.length).toBeGreaterThan(30);
    expect(heads.filter((o, i) => heads.indexOf(o) !== i)).toEqual([]);
    const synopsis = man.slice(man.indexOf('.SH SYNOPSIS'), man.indexOf('.SH DESCRIPTION'));
    const check = synopsis.slice(synopsis.indexOf('.B qmail-import check'));
    for (const o of ['host', 'user', 'maildir', 'users', 'domain', 'all-vpopmail'])
      expect(check).toContain(`.B \\-\\-${o}\n`);
  });

  it('--help shows the night in a few examples and points at the manual', async () => {
    const help = (await runCli(['--help'])).stdout;
    const examples = help.slice(help.indexOf('Examples:'));
    expect([...examples.matchAll(/^ {4}qmail-import (\w+) --host/gm)].map((m) => m[1])).toEqual([
      'check',
      'batch',
      'import',
    ]);
    expect(help).toMatch(/: man qmail-import\n$/);
  });

  it('is groff -ww clean', () => {
    const out = execFileSync('sh', ['-c', 'groff -ww -man -Tutf8 man/qmail-import.8 2>&1 >/dev/null'], {
      encoding: 'utf8',
    });
    expect(out).toBe('');
  });
});
