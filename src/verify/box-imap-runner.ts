import fs from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ErrorContext } from '../errors.js';
import { inTempHome, privateDovecotArgs, runInHome } from '../maildir/box-tools.js';

/** One folder as the box's IMAP server shows it: its UIDVALIDITY, HIGHESTMODSEQ (CONDSTORE, Dovecot
 *  only) and each UID with its flags. */
export interface BoxFolderView {
  uidValidity?: number;
  highestModseq?: bigint;
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
  return (binary, maildir, folders, withFlags, context) =>
    inTempHome(tempPrefix, async (home) => {
      const args = await prepare(home, maildir, folders, context);
      const lines = await converse(binary, args, home, examineAll(folders, withFlags), context);
      return parseViews(lines, folders);
    });
}

/**
 * Runs Dovecot's `imap` pre-authenticated on stdin/stdout on the Maildir, with a config of its
 * own (no system config). Dovecot works on copies of the UID lists and of the indexes (which hold
 * HIGHESTMODSEQ) in temp control and index directories, so the run numbers nothing in the Maildir
 * itself.
 */
export const viewWithDovecotImap = boxImapViewer('qmail-import-imap-', async (home, maildir, folders) => {
  const control = path.join(home, 'control');
  const index = path.join(home, 'index');
  // With CONTROL and INDEX directories of its own, Dovecot keeps INBOX's files in .INBOX there.
  for (const f of folders) {
    const from = path.join(maildir, f.dir);
    await copyNamed(
      from,
      path.join(control, f.dir || '.INBOX'),
      (n) => n === 'dovecot-uidlist' || n === 'dovecot-keywords',
    );
    // Not the cache: Dovecot rebuilds it, and it is the big one.
    await copyNamed(from, path.join(index, f.dir || '.INBOX'), (n) => /^dovecot\.index(\.log(\.2)?)?$/.test(n));
  }
  return privateDovecotArgs(home, `maildir:${path.resolve(maildir)}:INDEX=${index}:CONTROL=${control}`, '/dev/null');
});

async function copyNamed(folderDir: string, to: string, wanted: (name: string) => boolean): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const name of (await fs.readdir(folderDir).catch(() => [])).filter(wanted))
    await fs.copyFile(path.join(folderDir, name), path.join(to, name)).catch(() => undefined);
}

/**
 * CONDSTORE enabled first, so that each EXAMINE tells HIGHESTMODSEQ (Courier has no CONDSTORE and
 * refuses; the view then has none). Then EXAMINE per folder and, `withFlags`, UID FETCH FLAGS,
 * tagged by its index for parseViews.
 */
function examineAll(folders: readonly { imapName: string }[], withFlags: boolean): string[] {
  const fetch = (i: number) => (withFlags ? `f${i} UID FETCH 1:* (FLAGS)\r\n` : '');
  return ['c ENABLE CONDSTORE\r\n', ...folders.map((f, i) => `e${i} EXAMINE ${quote(f.imapName)}\r\n${fetch(i)}`)];
}

function quote(name: string): string {
  return `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Sends every command, then LOGOUT, and gathers the answer lines up to LOGOUT's. */
function converse(
  binary: string,
  args: string[],
  home: string,
  commands: string[],
  context: ErrorContext,
): Promise<string[]> {
  return runInHome(
    binary,
    args,
    home,
    (child, stderrTail) => {
      const lines: string[] = [];
      const done = new Promise<string[]>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout });
        rl.on('line', (line) => {
          lines.push(line);
          if (line.startsWith('zz ')) resolve(lines);
        });
        rl.on('close', () =>
          reject(new Error(`it ended before answering LOGOUT${stderrTail() ? ` (stderr: ${stderrTail()})` : ''}`)),
        );
      });
      child.stdin.write(`${commands.join('')}zz LOGOUT\r\n`);
      return done;
    },
    context,
  );
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
      const modseq = /^\* OK \[HIGHESTMODSEQ (\d+)\]/.exec(line);
      if (modseq) opening.highestModseq = BigInt(modseq[1] as string);
      const fetch = /^\* \d+ FETCH \((.*)\)$/.exec(line)?.[1];
      const uid = fetch ? /UID (\d+)/.exec(fetch) : null;
      if (fetch && uid)
        opened?.flagsByUid.set(Number(uid[1]), (/FLAGS \(([^)]*)\)/.exec(fetch)?.[1] ?? '').split(' ').filter(Boolean));
    }
  }
  return views;
}
