import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource } from '../support/accounts.js';
import { runCli } from '../support/cli.js';

describe('batch and Ctrl-C', () => {
  it('stops at a safe point, names done / partial / not started, and failed.txt finishes the job without duplicates', async () => {
    const server = sharedSource();
    const big = await makeAccount(server, sampleMessages({ count: 400, seed: 70, sizes: [600] }));
    const rest = await Promise.all(
      [1, 2, 3].map((i) => makeAccount(server, sampleMessages({ count: 1, seed: 70 + i }))),
    );
    const accounts = [big, ...rest];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-interrupt-'));
    const users = path.join(dir, 'users');
    fs.writeFileSync(users, accounts.map((a) => `${a.user}:${a.maildir}:${a.password}\n`).join(''), { mode: 0o600 });
    const conn = ['--host', server.host, '--security', 'none', '--imap-port', String(server.imapPort)];
    const common = [...conn, '--pop3-port', String(server.pop3Port), '--mode', 'import', '--jobs', '1'];
    const logDir = path.join(dir, 'run1');

    const child = spawn(
      process.execPath,
      ['dist/src/cli/main.js', 'batch', '--users', users, '--log-dir', logDir, ...common],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Ctrl-C as soon as the first account has started (its log exists), bounded.
    for (let i = 0; i < 600 && !fs.existsSync(path.join(logDir, `${big.user}.log`)); i++)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);

    const summary = JSON.parse(fs.readFileSync(path.join(logDir, 'summary.json'), 'utf8'));
    const statuses = summary.accounts.map((a: { status: string }) => a.status);
    expect(['done', 'partial']).toContain(statuses[0]);
    expect(statuses.slice(1)).toEqual(['not-started', 'not-started', 'not-started']);
    expect(stderr).toContain('Ctrl-C');
    const failed = fs.readFileSync(path.join(logDir, 'failed.txt'), 'utf8');
    expect(failed.split('\n').filter(Boolean)).toHaveLength(statuses[0] === 'done' ? 3 : 4);

    const retry = await runCli([
      'batch',
      '--users',
      path.join(logDir, 'failed.txt'),
      '--log-dir',
      path.join(dir, 'run2'),
      ...common,
    ]);
    expect(retry.code, retry.stderr).toBe(0);
    const count = (m: string) =>
      fs.readdirSync(path.join(m, 'new')).length + fs.readdirSync(path.join(m, 'cur')).length;
    expect(accounts.map((a) => count(a.maildir))).toEqual([400, 1, 1, 1]);
    expect(fs.readdirSync(path.join(big.maildir, 'tmp'))).toEqual([]);
  });
});
