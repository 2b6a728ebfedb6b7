import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { startChangeProxy, type ChangeProxy } from '../support/change-proxy.js';
import { CLI, runCli } from '../support/cli.js';

// A batch stopped by a signal (docs/faults.md): SIGINT (Ctrl-C, to the process group), SIGTERM and
// SIGHUP to the batch alone or to its whole group (a terminal closing, a service manager). Each
// stop takes one path: the running accounts stop at a safe point, tmp/ is left clean, the summary
// and failed.txt say who is done, partial or not started, and the exit code is 128 + the signal.

const EXIT_OF = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
/** Every run is bounded by itself: a hang fails its test, not the suite. */
const BOUND_MS = 60_000;

const proxies: ChangeProxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

const files = (maildir: string, sub: string) =>
  fs.existsSync(path.join(maildir, sub)) ? fs.readdirSync(path.join(maildir, sub)) : [];
const count = (maildir: string) => files(maildir, 'new').length + files(maildir, 'cur').length;

/** The built CLI in a process group of its own (a signal can go to the group), bounded, its output kept. */
function start(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const bound = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), BOUND_MS);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(bound);
      resolve(code);
    }),
  );
  return { child, out, exited };
}

describe('a batch stopped by a signal', () => {
  it.each([
    ['SIGINT', 'group'],
    ['SIGTERM', 'parent'],
    ['SIGTERM', 'group'],
    ['SIGHUP', 'parent'],
    ['SIGHUP', 'group'],
  ] as const)(
    '%s to the %s: done / partial / not started in summary and failed.txt, tmp/ clean, no stack, exit 128+n',
    async (signal, to) => {
      const server = sharedSource();
      // big: stopped while it copies; complete: already imported, finishes after the signal with
      // nothing to write (it is done, not partial); the rest never start.
      const big = await makeAccount(server, sampleMessages({ count: 200, seed: 90, sizes: [600] }));
      const complete = await makeAccount(server, sampleMessages({ count: 3, seed: 91 }));
      const rest = await Promise.all([92, 93].map((seed) => makeAccount(server, sampleMessages({ count: 1, seed }))));
      const first = await runCli(['import', ...complete.args]);
      expect(first.code, first.stderr).toBe(0);
      // Without its marks the INBOX is read again (POP3 and all), so the run can be held there.
      fs.rmSync(path.join(complete.maildir, 'qmail-import.marks'));
      const accounts: Account[] = [big, complete, ...rest];

      // Both running accounts are held at their POP3 UIDL until the batch has taken the signal.
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const held: Promise<void>[] = [];
      const hold = (a: Account) => {
        let reached!: () => void;
        held.push(new Promise<void>((r) => (reached = r)));
        return {
          when: new RegExp(`^USER ${a.user}\\r\\n[^]*^UIDL\\r\\n`, 'm'),
          change: () => (reached(), released),
        };
      };
      const pop3 = await startChangeProxy(server.pop3Port, [hold(big), hold(complete)]);
      proxies.push(pop3);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-signal-'));
      const users = path.join(dir, 'users');
      fs.writeFileSync(users, accounts.map((a) => `${a.user}:${a.maildir}:${a.password}\n`).join(''), {
        mode: 0o600,
      });
      const conn = ['--host', server.host, '--security', 'none', '--imap-port', String(server.imapPort)];
      const common = [...conn, '--mode', 'import', '--jobs', '2'];
      const logDir = path.join(dir, 'run1');
      const { child, out, exited } = start([
        'batch',
        '--users',
        users,
        '--log-dir',
        logDir,
        ...common,
        '--pop3-port',
        String(pop3.port),
      ]);
      await Promise.all(held);
      process.kill(to === 'group' ? -(child.pid as number) : (child.pid as number), signal);
      // The batch says it took the signal (or it is gone): only then do the held accounts go on.
      await Promise.race([
        exited,
        new Promise<void>((resolve) => {
          const check = () => out.stderr.includes(`batch: ${signal}`) && resolve();
          child.stderr.on('data', check);
          check();
        }),
      ]);
      release();
      const code = await exited;
      const output = out.stdout + out.stderr;
      expect(code, output).toBe(EXIT_OF[signal]);
      expect(output).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
      expect(output).not.toContain('EPIPE');

      const summary = JSON.parse(fs.readFileSync(path.join(logDir, 'summary.json'), 'utf8'));
      expect(summary.exitCode).toBe(EXIT_OF[signal]);
      const rows = summary.accounts as { status: string; exitCode: number | null; messages: number }[];
      expect(rows.map((r) => r.status)).toEqual(['partial', 'done', 'not-started', 'not-started']);
      expect(rows[1]?.exitCode).toBe(0);
      // What the partial account wrote is counted, as it is on disk.
      expect(count(big.maildir)).toBeGreaterThan(0);
      expect(count(big.maildir)).toBeLessThan(200);
      expect(rows[0]?.messages).toBe(count(big.maildir));
      expect(fs.readFileSync(path.join(logDir, 'summary.txt'), 'utf8')).toMatch(
        /4 accounts: 1 done, 0 failed, 1 partial, 2 not started/,
      );
      const failed = fs.readFileSync(path.join(logDir, 'failed.txt'), 'utf8').split('\n').filter(Boolean);
      expect(failed.map((l) => l.split(':')[0])).toEqual([big.user, ...rest.map((a) => a.user)]);
      for (const a of accounts) expect(files(a.maildir, 'tmp'), a.user).toEqual([]);

      const retry = await runCli([
        'batch',
        '--users',
        path.join(logDir, 'failed.txt'),
        '--log-dir',
        path.join(dir, 'run2'),
        ...common,
        '--pop3-port',
        String(server.pop3Port),
      ]);
      expect(retry.code, retry.stderr).toBe(0);
      expect(accounts.map((a) => count(a.maildir))).toEqual([200, 3, 1, 1]);
    },
  );
});

describe('an import stopped by a signal', () => {
  it.each(['SIGTERM', 'SIGHUP'] as const)(
    '%s: stops at a safe point, reports what it wrote, tmp/ clean, exit 128+n; the same command finishes it',
    async (signal) => {
      const server = sharedSource();
      const a = await makeAccount(server, sampleMessages({ count: 300, seed: 95, sizes: [600] }));
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let reached!: () => void;
      const held = new Promise<void>((r) => (reached = r));
      const pop3 = await startChangeProxy(server.pop3Port, [
        { when: /^UIDL\r\n/m, change: () => (reached(), released) },
      ]);
      proxies.push(pop3);
      const conn = ['--host', server.host, '--security', 'none', '--imap-port', String(server.imapPort)];
      const args = [...conn, '--user', a.user, '--password-file', a.passwordFile, '--maildir', a.maildir];
      const { child, out, exited } = start(['import', ...args, '--pop3-port', String(pop3.port)]);
      await held;
      child.kill(signal);
      release();
      expect(await exited, out.stdout + out.stderr).toBe(EXIT_OF[signal]);
      expect(out.stderr).toContain(`interrupted (${signal})`);
      expect(out.stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
      const written = count(a.maildir);
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(300);
      expect(out.stdout).toContain(`INBOX incomplete, ${written} of 300 messages written: stopped by request`);
      expect(files(a.maildir, 'tmp')).toEqual([]);
      const again = await runCli(['import', ...a.args]);
      expect(again.code, again.stderr).toBe(0);
      expect(count(a.maildir)).toBe(300);
    },
  );
});
