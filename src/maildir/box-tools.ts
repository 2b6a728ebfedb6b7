import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FolderError, type ErrorContext } from '../errors.js';
import { BOX_IMAP_TIMEOUT_MS } from '../limits.js';

/** Dovecot's IMAP binary as Debian installs it. */
export const DOVECOT_IMAP = '/usr/lib/dovecot/imap';

/** Dovecot's admin tool, where Debian and a source install put it. */
const DOVEADM = ['/usr/bin/doveadm', '/usr/local/bin/doveadm'];

export function installedDoveadm(): string | undefined {
  return DOVEADM.find((p) => fs.existsSync(p));
}

/** Runs `work` in a temp home of its own, removed afterwards: the box's server tools keep their files there. */
export async function inTempHome<T>(prefix: string, work: (home: string) => Promise<T>): Promise<T> {
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  try {
    return await work(home);
  } finally {
    await fsp.rm(home, { recursive: true, force: true });
  }
}

/**
 * A Dovecot config of the home's own (no system config, so no auth, no userdb: the tool runs as
 * whoever runs it, the mailbox owner) and the arguments that make a Dovecot tool use it on
 * `mailLocation`. `logTo`: where its log lines go. No mailbox list index: refreshing it opens
 * every folder of the Maildir, giving a UID list to one that has none and creating cur/, new/
 * and tmp/ through a symlink planted as a folder; the tool is to touch only the folders it names.
 */
export async function privateDovecotArgs(
  home: string,
  mailLocation: string,
  logTo: '/dev/null' | '/dev/stderr',
): Promise<string[]> {
  return ['-c', await privateDovecotConfig(home, logTo), '-o', `mail_location=${mailLocation}`];
}

/** The config file of privateDovecotArgs, written into `home`; its path. */
export async function privateDovecotConfig(home: string, logTo: '/dev/null' | '/dev/stderr'): Promise<string> {
  const conf = path.join(home, 'dovecot.conf');
  await fsp.writeFile(conf, `protocols = imap\nssl = no\nlog_path = ${logTo}\nmailbox_list_index = no\n`, {
    mode: 0o600,
  });
  return conf;
}

/**
 * Runs a box's server tool (Dovecot's imap or doveadm, Courier's imapd) as the user running
 * qmail-import, in `home`, with `env` besides PATH, HOME and USER; `talk` feeds it and resolves
 * with its answer. A tool that cannot start, fails or is stuck past BOX_IMAP_TIMEOUT_MS (then
 * killed) is a FolderError naming the binary.
 */
export async function runInHome<T>(
  binary: string,
  args: string[],
  home: string,
  talk: (child: ChildProcessWithoutNullStreams, stderrTail: () => string) => Promise<T>,
  context: ErrorContext,
  env: Readonly<Record<string, string>> = {},
): Promise<T> {
  const child = spawn(binary, args, {
    cwd: home,
    env: { ...env, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, USER: userName() },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  child.stdin.on('error', () => undefined);
  const cannotStart = new Promise<never>((_, reject) => child.once('error', reject));
  cannotStart.catch(() => undefined);
  const stuck = setTimeout(() => child.kill('SIGKILL'), BOX_IMAP_TIMEOUT_MS);
  try {
    return await Promise.race([talk(child, () => stderr), cannotStart]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new FolderError(`cannot run ${binary}: ${e.code ?? e.message}`, { ...context, cause: err });
  } finally {
    clearTimeout(stuck);
    child.stdin.end();
  }
}

/** Dovecot's tools want a USER; an owner given by number (--owner 4242:4242) may have no passwd entry. */
export function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '');
  }
}
