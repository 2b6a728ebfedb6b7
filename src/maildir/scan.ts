import { lstatSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fsCall, type ErrorContext } from '../errors.js';
import { uidlOfName, type MaildirEntry } from './pop3d-listing.js';

export interface ScannedEntry extends MaildirEntry {
  uid: number;
  mode: number;
  isFile: boolean;
}

/** A file already in the folder under a planned name. */
export interface ExistingFile {
  dir: 'new' | 'cur';
  file: string;
  mtimeSec: number;
}

/** The files of a scan by name up to ':', as the planners take them. */
export function existingByName(entries: readonly ScannedEntry[]): Map<string, ExistingFile> {
  return new Map(entries.map((e) => [uidlOfName(e.name), { dir: e.dir, file: e.name, mtimeSec: e.mtimeSec }]));
}

/**
 * Every entry of new/ and cur/ with its stat. `followLinks` stats through symlinks as qmail-pop3d
 * does (verify's model); the importer uses lstat so a planted link is seen as what it is.
 */
export async function scanMaildir(dir: string, followLinks: boolean, context: ErrorContext): Promise<ScannedEntry[]> {
  const out: ScannedEntry[] = [];
  for (const sub of ['new', 'cur'] as const) {
    const subdir = path.join(dir, sub);
    const names = await fsCall(() => fs.readdir(subdir), 'readdir', subdir, context);
    for (const name of names) {
      const file = path.join(subdir, name);
      // A file that vanished between readdir and stat (a POP3 client deleting it) is simply gone.
      // Synchronous: one stat per message, and a thread-pool round trip per call costs several
      // times the stat itself (100,000 files: seconds against a fraction of one).
      const st = await fsCall(() => (followLinks ? statSync(file) : lstatSync(file)), 'stat', file, context, {
        expected: { ENOENT: undefined },
      });
      if (!st) continue;
      out.push({
        dir: sub,
        name,
        mtimeSec: Math.floor(st.mtimeMs / 1000),
        size: st.size,
        uid: st.uid,
        mode: st.mode & 0o7777,
        isFile: st.isFile(),
      });
    }
  }
  return out;
}

/** A scan of a Maildir that may not exist yet (a dry run creates nothing): then it holds nothing. */
export async function scanIfPresent(dir: string, context: ErrorContext): Promise<ScannedEntry[] | undefined> {
  try {
    return await scanMaildir(dir, false, context);
  } catch (err) {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return undefined;
    throw err;
  }
}
