import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource } from '../support/accounts.js';
import { startProxy } from '../support/proxy.js';
import { CLI } from '../support/cli.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('batch on a terminal', () => {
  it('asks for the password without echo, draws the live view, and prints the summary', async () => {
    const server = sharedSource();
    const a = await makeAccount(server, sampleMessages({ count: 30, seed: 80 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-tty-'));
    const users = path.join(dir, 'users');
    fs.writeFileSync(users, `${a.user}:${a.maildir}\n`, { mode: 0o600 });
    const cli = [process.execPath, CLI, 'batch', '--users', users, '--log-dir', path.join(dir, 'run')];
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
    expect(out).toMatch(/batch: \d\/1 account finished, 0 need attention, [01] running, 0 waiting; \d+ msg\/s/);
    expect(out).toContain('1 account: 1 done, 0 failed, 0 partial, 0 not started; 0 need attention; 30 messages');
  });

  it('shows a big message coming in, in MB, while its download is under way', async () => {
    const server = sharedSource();
    const a = await makeAccount(server, sampleMessages({ count: 1, seed: 81, sizes: [30_000_000] }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-tty-'));
    const users = path.join(dir, 'users');
    fs.writeFileSync(users, `${a.user}:${a.maildir}:${a.password}\n`, { mode: 0o600 });
    // The download holds still some 13 MB in (12 MB after its second chunk began), until the test
    // has seen the live view say so.
    const proxy = await startProxy(server.imapPort, {
      afterServer: /BODY\[\]<[1-9]\d*> \{\d+\}\r\n/,
      extraBytes: 12_000_000,
      action: 'stall',
    });
    const cli = [process.execPath, CLI, 'batch', '--users', users, '--mode', 'import'];
    cli.push('--log-dir', path.join(dir, 'run'), '--host', server.host, '--security', 'none', '--timeout', '30');
    cli.push('--imap-port', String(proxy.port), '--pop3-port', String(server.pop3Port));
    const command = `stty cols 120 rows 40; ${cli.map(quote).join(' ')}`;
    const child = spawn('script', ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const shown = await Promise.race([
      new Promise<string>((resolve) =>
        child.stdout.on('data', (d) => {
          out += d;
          const mb = /: INBOX 0\/1 message, (\d+\.\d)\/30\.\d MB/.exec(out)?.[1];
          if (mb && Number(mb) >= 1) resolve(mb);
        }),
      ),
      exited.then(() => undefined),
    ]);
    await proxy.close();
    expect(await exited, out).toBe(3);
    expect(Number(shown), out).toBeGreaterThanOrEqual(1);
  });
});
