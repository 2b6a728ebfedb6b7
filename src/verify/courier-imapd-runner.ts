import fs from 'node:fs/promises';
import path from 'node:path';
import { fsCall, type ErrorContext } from '../errors.js';
import { boxImapViewer } from './box-imap-runner.js';

/** Files in a folder that decide what Courier-IMAP shows: its UID list and its keywords. */
const COURIER_CONTROL = ['courierimapuiddb'];
const COURIER_KEYWORDS_DIR = 'courierimapkeywords';

/**
 * Runs Courier-IMAP's `imapd` pre-authenticated on stdin/stdout (its PREAUTH mode, the Maildir as
 * its argument); a folder's `imapName` is as Courier shows it, e.g. "INBOX.Sent". Courier writes
 * into the Maildir it serves (its UID list for new/, courierimapacl, courierimapkeywords/), so it
 * runs on a shadow in a temp directory: the same folders and file names, empty files, and copies
 * of Courier's own files. The Maildir itself is only read.
 */
export const viewWithCourierImapd = boxImapViewer('qmail-import-courier-', async (home, maildir, folders, context) => {
  const shadow = path.join(home, 'Maildir');
  await fs.mkdir(shadow);
  for (const f of folders) await shadowFolder(path.join(maildir, f.dir), path.join(shadow, f.dir), context);
  return [shadow];
});

/** A folder missing from the Maildir stays missing, so that Courier says it cannot open it. */
async function shadowFolder(from: string, to: string, context: ErrorContext): Promise<void> {
  if (!(await exists(from))) return;
  for (const sub of ['cur', 'new', 'tmp']) await fs.mkdir(path.join(to, sub), { recursive: true });
  for (const sub of ['cur', 'new'])
    for (const name of await fileNames(path.join(from, sub), context))
      await fs.writeFile(path.join(to, sub, name), '', { flag: 'wx' });
  for (const name of [...COURIER_CONTROL, 'maildirfolder']) await copyIfPresent(from, to, name, context);
  const keywords = await fileNames(path.join(from, COURIER_KEYWORDS_DIR), context);
  if (keywords.length > 0) await fs.mkdir(path.join(to, COURIER_KEYWORDS_DIR));
  for (const name of keywords) await copyIfPresent(from, to, path.join(COURIER_KEYWORDS_DIR, name), context);
}

async function copyIfPresent(from: string, to: string, name: string, context: ErrorContext): Promise<void> {
  const source = path.join(from, name);
  await fsCall(() => fs.copyFile(source, path.join(to, name)), 'copy', source, context, {
    expected: { ENOENT: undefined },
  });
}

async function fileNames(dir: string, context: ErrorContext): Promise<string[]> {
  const entries = await fsCall(() => fs.readdir(dir, { withFileTypes: true }), 'readdir', dir, context, {
    expected: { ENOENT: [] },
  });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

async function exists(dir: string): Promise<boolean> {
  return fs.stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
