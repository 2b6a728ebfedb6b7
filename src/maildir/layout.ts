import { execFileSync } from 'node:child_process';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FolderError, fsCall, type ErrorContext } from '../errors.js';
import { nssEntry } from '../nss.js';
import { openOwnFile } from './read-file.js';

export const MAILDIR_SUBDIRS = ['tmp', 'new', 'cur'] as const;

/** Whom the import writes as when root started it: the owner it drops to (user-job.ts `owner`). */
export interface MaildirWriter {
  name?: string;
  uid: number;
  gid: number;
}

/**
 * Makes sure DIR is a Maildir (tmp/, new/, cur/), creating what is missing with mode 0700, and
 * refuses any part of it that is a symlink or not a directory: a link planted there could send
 * our writes elsewhere. Runs as the mailbox owner, so files and dirs are born with the right owner.
 * Without `create`, DIR itself must exist: a typo'd path whose parent exists would otherwise
 * become a second Maildir that nobody reads. What this call made is removed again when a later
 * part fails (a disk out of inodes): a folder without its tmp/ is never left behind.
 */
export async function ensureMaildir(
  dir: string,
  context: ErrorContext,
  create = true,
  writer?: MaildirWriter,
): Promise<void> {
  if (!create) await requireMaildir(dir, context, writer);
  const made: string[] = [];
  try {
    for (const d of [dir, ...MAILDIR_SUBDIRS.map((sub) => path.join(dir, sub))])
      if (await ensureRealDir(d, context, (code) => permissionHint(code, d, dir, writer))) made.unshift(d);
  } catch (err) {
    // Empty, and ours: made just now. rmdir, never a recursive removal.
    for (const d of made) await fs.rmdir(d).catch(() => undefined);
    throw err;
  }
}

/** A Maildir that is not there is the account's error, never silently created (see ensureMaildir). */
export async function requireMaildir(dir: string, context: ErrorContext, writer?: MaildirWriter): Promise<void> {
  const st = await fsCall(() => fs.lstat(dir), 'stat', dir, context, {
    expected: { ENOENT: undefined },
    hint: (code) => permissionHint(code, dir, dir, writer),
  });
  if (!st) throw new FolderError(missingMaildirText(dir, fsSync.existsSync(path.dirname(path.resolve(dir)))), context);
}

/** A Maildir that is not there, and what to do: with its parent missing too, both steps at once. */
export function missingMaildirText(dir: string, parentExists: boolean): string {
  const parent = path.dirname(path.resolve(dir));
  return parentExists
    ? `Maildir ${dir} does not exist; check the path, or pass --create to make it`
    : `Maildir ${dir} does not exist, nor its parent ${parent}; check the path, and for a new account create its home ${parent} first (vpopmail's vadduser does), then pass --create to make the Maildir`;
}

/** true when it made DIR. */
async function ensureRealDir(
  dir: string,
  context: ErrorContext,
  hint: (code: string | undefined) => string,
): Promise<boolean> {
  const made = await fsCall(() => fs.mkdir(dir, { mode: 0o700 }).then(() => true), 'mkdir', dir, context, {
    expected: { EEXIST: false },
    hint,
  });
  const st = await fsCall(() => fs.lstat(dir), 'stat', dir, context, { hint });
  if (st.isSymbolicLink())
    throw new FolderError(
      `${dir} is a symlink; refusing to follow it (if the Maildir path itself is a link you trust, pass --allow-symlinked-maildir; links inside a Maildir are always refused)`,
      context,
    );
  if (!st.isDirectory()) throw new FolderError(`${dir} is not a directory`, context);
  // Asked once here: a directory we may not write (a root-owned new/) would otherwise fail every
  // message at its link(), one EACCES line each.
  await fsCall(() => fs.access(dir, fs.constants.W_OK | fs.constants.X_OK), 'access', dir, context, { hint });
  return made;
}

/** What to do when DIR of the Maildir MAILDIR refuses us for a permission: who we are, whose it
 *  is, and the fix; after root's drop to the owner the fix is the owner, not running as root. */
function permissionHint(code: string | undefined, dir: string, maildir: string, writer?: MaildirWriter): string {
  if (code !== 'EACCES' && code !== 'EPERM') return '';
  if (!writer)
    return `; the import runs as uid ${process.getuid?.()}, who may not write there: run it as root (it then writes as the Maildir's owner) or as that owner`;
  const who = writer.name ?? `uid ${writer.uid}`;
  let held = '';
  try {
    held = ` ${heldBy(fsSync.lstatSync(dir))},`;
  } catch {
    // Not even visible to the owner: the directory above it is what refuses.
  }
  return `; as root the import writes as ${who} (uid ${writer.uid}:${writer.gid}), the Maildir's owner or --owner's, and ${dir} is${held} not writable by them: give the Maildir to its mailbox owner (chown -R ${who} ${maildir}; vpopmail:vchkpw on a vpopmail box), or name that owner with --owner USER[:GROUP]`;
}

/** "owned by root:root, mode 0755": whose a directory is, for a message about writing there;
 *  user and group by name where they have one, as `ls -l` shows them. */
function heldBy(st: fsSync.Stats): string {
  const user = nssEntry('passwd', String(st.uid))?.[0] ?? `uid ${st.uid}`;
  const group = nssEntry('group', String(st.gid))?.[0] ?? String(st.gid);
  return `owned by ${user}:${group}, mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

/**
 * What would stop an import writing the Maildir DIR (check's pre-flight; nothing is written):
 * DIR, tmp/, new/ or cur/ there but a symlink, not a directory, or one `writer` may not create
 * files in; a missing DIR whose parent is missing too or refuses the --create. Without a writer
 * (not run as root) the import runs as this process and the kernel is asked. With one, the mode
 * bits are read the kernel's way (owner, else group, else other; ACLs are not looked at).
 */
export function maildirWriteProblems(dir: string, writer: MaildirWriter | undefined): string[] {
  const who = writer ? `${writer.name ?? `uid ${writer.uid}`}, whom the import writes as,` : 'the user running it';
  const st = lstatOrUndefined(dir);
  if (!st) {
    const parent = path.dirname(path.resolve(dir));
    const up = lstatOrUndefined(parent);
    if (!up) return [missingMaildirText(dir, false)];
    return up.isDirectory() && mayCreateIn(parent, up, writer)
      ? []
      : [`${dir} does not exist, and ${who} cannot create it in ${parent} (${heldBy(up)})`];
  }
  return [dir, ...MAILDIR_SUBDIRS.map((sub) => path.join(dir, sub))].flatMap((d) => {
    const s = d === dir ? st : lstatOrUndefined(d);
    // A missing tmp/, new/ or cur/ is made in DIR, which is looked at itself.
    if (!s) return [];
    if (s.isSymbolicLink()) return [`${d} is a symlink; the import refuses it`];
    if (!s.isDirectory()) return [`${d} is not a directory`];
    return mayCreateIn(d, s, writer) ? [] : [`${d} is ${heldBy(s)}: ${who} cannot create files in it`];
  });
}

function lstatOrUndefined(p: string): fsSync.Stats | undefined {
  try {
    return fsSync.lstatSync(p);
  } catch {
    return undefined;
  }
}

function mayCreateIn(dir: string, st: fsSync.Stats, writer: MaildirWriter | undefined): boolean {
  if (!writer) {
    try {
      fsSync.accessSync(dir, fsSync.constants.W_OK | fsSync.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
  const bits = (shift: number) => ((st.mode >> shift) & 0o3) === 0o3;
  if (st.uid === writer.uid) return bits(6);
  if (st.gid === writer.gid || (writer.name !== undefined && groupsOf(writer.name).includes(st.gid))) return bits(3);
  return bits(0);
}

/** The groups `id -G` gives a user, for a directory that only a supplementary group may write. */
function groupsOf(name: string): number[] {
  try {
    return execFileSync('id', ['-G', '--', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(/\s+/)
      .map(Number);
  } catch {
    return [];
  }
}

/** Makes the names linked into DIR durable. */
export async function fsyncDir(dir: string, context: ErrorContext): Promise<void> {
  const sync = async () => {
    const handle = await fs.open(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
    await handle.sync().finally(() => handle.close());
  };
  await fsCall(sync, 'fsync', dir, context);
}

/** The empty `maildirfolder` file Maildir++ readers (Courier's deliverquota, Dovecot) expect in a
 *  subfolder; opened like our other small files, so a FIFO planted there cannot hang the run. */
export async function markAsFolder(dir: string, context: ErrorContext): Promise<void> {
  const marker = path.join(dir, 'maildirfolder');
  await (await openOwnFile(marker, fs.constants.O_WRONLY | fs.constants.O_CREAT, context))?.close();
}
