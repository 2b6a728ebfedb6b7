import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { FolderError, type ErrorContext } from '../errors.js';
import { BOX_IMAP_TIMEOUT_MS } from '../limits.js';

/** One folder as the box's IMAP server shows it: its UIDVALIDITY and each UID with its flags. */
export interface BoxFolderView {
  uidValidity?: number;
  flagsByUid: Map<number, string[]>;
  /** The server's answer when it would not open the folder. */
  error?: string;
}

/** A folder to examine: `imapName` as the box shows it; `dir` its Maildir++ directory, "" for INBOX. */
export interface BoxFolder {
  imapName: string;
  dir: string;
}

/** Runs a box's IMAP server on the Maildir, EXAMINEs each folder and, `withFlags`, fetches every message's UID and flags. */
export type BoxImapViewer = (
  binary: string,
  maildir: string,
  folders: readonly BoxFolder[],
  withFlags: boolean,
  context: ErrorContext,
) => Promise<Map<string, BoxFolderView>>;

/**
 * A viewer whose server runs in a temp home, removed afterwards: `prepare` fills the home with
 * what the server is to work on instead of the Maildir itself and returns the server's arguments.
 */
export function boxImapViewer(
  tempPrefix: string,
  prepare: (home: string, maildir: string, folders: readonly BoxFolder[], context: ErrorContext) => Promise<string[]>,
): BoxImapViewer {
  return async (binary, maildir, folders, withFlags, context) => {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), tempPrefix));
    try {
      const args = await prepare(home, maildir, folders, context);
      const lines = await converse(binary, args, home, examineAll(folders, withFlags), context);
      return parseViews(lines, folders);
    } finally {
      await fs.rm(home, { recursive: true, force: true });
    }
  };
}

/** Dovecot's IMAP binary as Debian installs it. */
export const DOVECOT_IMAP = '/usr/lib/dovecot/imap';

/**
 * Runs Dovecot's `imap` pre-authenticated on stdin/stdout on the Maildir, with a config of its
 * own (no system config). Dovecot works on copies of the UID lists in a temp control
 * directory and keeps its indexes in memory, so the run numbers nothing in the Maildir itself.
 */
export const viewWithDovecotImap = boxImapViewer('qmail-import-imap-', async (home, maildir, folders) => {
  const control = path.join(home, 'control');
  // With a CONTROL directory of its own, Dovecot keeps INBOX's list in .INBOX there.
  for (const f of folders) await copyControl(path.join(maildir, f.dir), path.join(control, f.dir || '.INBOX'));
  const conf = path.join(home, 'imap.conf');
  await fs.writeFile(conf, 'protocols = imap\nssl = no\nlog_path = /dev/null\n', { mode: 0o600 });
  const location = `maildir:${path.resolve(maildir)}:INDEX=MEMORY:CONTROL=${control}`;
  return ['-c', conf, '-o', `mail_location=${location}`];
});

async function copyControl(folderDir: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const name of ['dovecot-uidlist', 'dovecot-keywords'])
    await fs.copyFile(path.join(folderDir, name), path.join(to, name)).catch(() => undefined);
}

/** EXAMINE per folder and, `withFlags`, UID FETCH FLAGS, tagged by its index for parseViews. */
function examineAll(folders: readonly { imapName: string }[], withFlags: boolean): string[] {
  const fetch = (i: number) => (withFlags ? `f${i} UID FETCH 1:* (FLAGS)\r\n` : '');
  return folders.map((f, i) => `e${i} EXAMINE ${quote(f.imapName)}\r\n${fetch(i)}`);
}

function quote(name: string): string {
  return `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Sends every command, then LOGOUT, and gathers the answer lines up to LOGOUT's. */
async function converse(
  binary: string,
  args: string[],
  home: string,
  commands: string[],
  context: ErrorContext,
): Promise<string[]> {
  const child = spawn(binary, args, {
    cwd: home,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, USER: os.userInfo().username },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  child.stdin.on('error', () => undefined);
  const lines: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(err));
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      lines.push(line);
      if (line.startsWith('zz ')) resolve();
    });
    rl.on('close', () => reject(new Error(`it ended before answering LOGOUT${stderr ? ` (stderr: ${stderr})` : ''}`)));
  });
  child.stdin.write(`${commands.join('')}zz LOGOUT\r\n`);
  const stuck = setTimeout(() => child.kill('SIGKILL'), BOX_IMAP_TIMEOUT_MS);
  try {
    await done;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new FolderError(`cannot run ${binary}: ${e.code ?? e.message}`, { ...context, cause: err });
  } finally {
    clearTimeout(stuck);
    child.stdin.end();
  }
  return lines;
}

/**
 * Untagged answers before an EXAMINE's tagged one are that folder's (its UIDVALIDITY); FETCH
 * answers after it, up to the next EXAMINE, are its messages' flags. The tag names the folder.
 */
function parseViews(lines: readonly string[], folders: readonly { imapName: string }[]): Map<string, BoxFolderView> {
  const views = new Map<string, BoxFolderView>();
  let opening: BoxFolderView = { flagsByUid: new Map() };
  let opened: BoxFolderView | undefined;
  for (const line of lines) {
    const tagged = /^([ef])(\d+) (OK|NO|BAD) ?(.*)$/.exec(line);
    if (tagged?.[1] === 'e') {
      if (tagged[3] !== 'OK') opening.error = tagged[4];
      views.set(folders[Number(tagged[2])]?.imapName as string, opening);
      opened = opening;
      opening = { flagsByUid: new Map() };
    } else if (!tagged) {
      const validity = /^\* OK \[UIDVALIDITY (\d+)\]/.exec(line);
      if (validity) opening.uidValidity = Number(validity[1]);
      const fetch = /^\* \d+ FETCH \((.*)\)$/.exec(line)?.[1];
      const uid = fetch ? /UID (\d+)/.exec(fetch) : null;
      if (fetch && uid)
        opened?.flagsByUid.set(Number(uid[1]), (/FLAGS \(([^)]*)\)/.exec(fetch)?.[1] ?? '').split(' ').filter(Boolean));
    }
  }
  return views;
}
