import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource } from '../support/accounts.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('batch on a terminal', () => {
  it('asks for the password without echo, draws the live view, and prints the summary', async () => {
    const server = sharedSource();
    const a = await makeAccount(server, sampleMessages({ count: 30, seed: 80 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-tty-'));
    const users = path.join(dir, 'users');
    fs.writeFileSync(users, `${a.user}:${a.maildir}\n`, { mode: 0o600 });
    const cli = [
      process.execPath,
      'dist/src/cli/main.js',
      'batch',
      '--users',
      users,
      '--log-dir',
      path.join(dir, 'run'),
    ];
    const conn = ['--host', server.host, '--security', 'none', '--imap-port', String(server.imapPort)];
    const command = `stty cols 120 rows 40; ${[...cli, ...conn, '--pop3-port', String(server.pop3Port)].map(quote).join(' ')}`;
    // script(1) gives the CLI a pseudo-terminal for stdin and stderr, as an admin's shell would.
    const child = spawn('script', ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let typed = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!typed && out.includes('password for the accounts the users file gives none')) {
        typed = true;
        child.stdin.write(`${a.password}\n`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, out).toBe(0);
    expect(out).not.toContain(a.password);
    // log-update redraws the status area in place: erase-line sequences around the status line.
    expect(out).toMatch(/\x1b\[2K/);
    expect(out).toMatch(/batch: \d\/1 accounts done, 0 need attention, [01] running, 0 waiting; \d+ msg\/s/);
    expect(out).toContain('1 accounts: 1 done, 0 failed, 0 partial, 0 not started; 0 need attention; 30 messages');
  });
});
