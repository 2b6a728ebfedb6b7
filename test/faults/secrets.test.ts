import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { startProxy, type Fault } from '../support/proxy.js';
import { startScriptedPop3 } from '../support/scripted-pop3.js';

// Secrets (docs/faults.md): the password never shows in ps (parent or worker argv), in the
// worker's environment, in the report, the JSON, an error message or any file we write. The run
// is held on a stalled connection after login, so its processes can be looked at while they live.

const CLI = path.resolve('dist/src/cli/main.js');
const proxies: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

/** Process ids whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'latin1');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const readProc = (pid: number, what: string) => fs.readFileSync(`/proc/${pid}/${what}`).toString('latin1');

/** Every byte of every file under `dir`. */
function allFileText(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name)).toString('latin1'))
    .join('\n');
}

interface Seen {
  code: number | null;
  stdout: string;
  stderr: string;
  parentArgv: string;
  workerArgv: string;
  workerEnv: string;
  ps: string;
}

/** Runs an import through a proxy with `fault`; while it waits on the stall, looks at its processes. */
async function runHeld(a: Account, where: 'imap' | 'pop3', fault: Fault, viaEnv: boolean): Promise<Seen> {
  const ports = { imap: a.server.imapPort, pop3: a.server.pop3Port };
  const proxy = await startProxy(ports[where], fault);
  proxies.push(proxy);
  ports[where] = proxy.port;
  const args = ['import', '--host', a.server.host, '--security', 'none', '--timeout', '4', '--json'];
  args.push('--imap-port', String(ports.imap), '--pop3-port', String(ports.pop3));
  args.push('--user', a.user, '--maildir', a.maildir, '--quiet');
  if (!viaEnv) args.push('--password-file', a.passwordFile);
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, ...(viaEnv ? { QMAIL_IMPORT_PASSWORD: a.password } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  await proxy.fired;
  const pid = child.pid as number;
  const [worker] = childrenOf(pid);
  expect(worker).toBeDefined();
  const seen = {
    parentArgv: readProc(pid, 'cmdline'),
    workerArgv: readProc(worker as number, 'cmdline'),
    workerEnv: readProc(worker as number, 'environ'),
    ps: execFileSync('ps', ['-eo', 'pid,args', '--cols', '10000']).toString(),
  };
  return { ...seen, code: await closed, stdout, stderr };
}

function expectNowhere(a: Account, seen: Seen): void {
  for (const [where, text] of Object.entries(seen))
    expect({ where, leaks: String(text).includes(a.password) }).toEqual({ where, leaks: false });
  expect(allFileText(a.maildir).includes(a.password)).toBe(false);
}

describe('the password is never shown', () => {
  it('from --password-file, with IMAP stalled mid-fetch: not in ps, the worker, the error, the JSON or the Maildir', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 38 }));
    const seen = await runHeld(
      a,
      'imap',
      { afterServer: /BODY\[\] \{\d+\}\r\n/, extraBytes: 10, action: 'stall' },
      false,
    );
    expect(seen.code).toBe(3);
    expect(seen.stderr).toMatch(/cannot fetch messages: stalled/);
    expect(JSON.parse(seen.stdout).users[0].error.message).toMatch(/stalled/);
    expectNowhere(a, seen);
  });

  it('from QMAIL_IMPORT_PASSWORD, with POP3 stalled after PASS: not in the worker environment nor the error', async () => {
    const a = await makeAccount(sharedSource(), sampleMessages({ count: 3, seed: 39 }));
    const seen = await runHeld(a, 'pop3', { afterClient: /PASS /, action: 'stall' }, true);
    expect(seen.code).toBe(3);
    expect(seen.stderr).toMatch(/PASS \(password hidden\): stalled: no answer within 4 s/);
    expect(seen.workerEnv).not.toContain('QMAIL_IMPORT_PASSWORD');
    expectNowhere(a, seen);
  });

  /** A whole run, stdout and stderr together. */
  async function runAll(args: string[]): Promise<{ code: number | null; out: string }> {
    const run = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    run.stdout.on('data', (d) => (out += d));
    run.stderr.on('data', (d) => (out += d));
    return { code: await new Promise<number | null>((resolve) => run.on('close', resolve)), out };
  }

  it('a refused IMAP login names the user, not the password (exit 3)', async () => {
    const a = await makeAccount(sharedSource(), []);
    const wrong = `${a.password}-wrong-${process.pid}`;
    fs.writeFileSync(a.passwordFile, `${wrong}\n`);
    const { code, out } = await runAll(['import', ...a.args, '--json']);
    expect(code).toBe(3);
    expect(out).toMatch(new RegExp(`imap .*: login as ${a.user} refused`));
    expect(out.includes(wrong)).toBe(false);
  });

  it('a refused POP3 login comes back from the worker as itself: exit 3, named, no password', async () => {
    const a = await makeAccount(sharedSource(), []);
    const pop3 = await startScriptedPop3([], { PASS: (s) => s.write('-ERR [AUTH] Authentication failed.\r\n') });
    proxies.push(pop3);
    const { code, out } = await runAll([
      'import',
      ...['--host', a.server.host, '--security', 'none', '--json', '--quiet'],
      ...['--imap-port', String(a.server.imapPort), '--pop3-port', String(pop3.port)],
      ...['--user', a.user, '--password-file', a.passwordFile, '--maildir', a.maildir],
    ]);
    expect(out).toMatch(
      new RegExp(`pop3 127\\.0\\.0\\.1:\\d+: login as ${a.user} refused: \\[AUTH\\] Authentication failed`),
    );
    expect(out).not.toMatch(/internal error/);
    expect(code).toBe(3);
    expect(out.includes(a.password)).toBe(false);
  });
});
