import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface TreeEntry {
  path: string;
  sha256: string;
  mtimeSec: number;
  uid: number;
  mode: number;
}

/** Every file under tmp/, new/ and cur/ with its content hash, mtime, owner and mode. */
export function snapshotMaildir(maildir: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  for (const sub of ['tmp', 'new', 'cur']) {
    const dir = path.join(maildir, sub);
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const st = fs.lstatSync(file);
      out.push({
        path: `${sub}/${name}`,
        sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
        mtimeSec: Math.floor(st.mtimeMs / 1000),
        uid: st.uid,
        mode: st.mode & 0o7777,
      });
    }
  }
  return out;
}

/** snapshotMaildir of the Maildir and of each of its Maildir++ folders, by folder ("INBOX", ".Sent"). */
export function snapshotAllFolders(maildir: string): Record<string, TreeEntry[]> {
  const out: Record<string, TreeEntry[]> = { INBOX: snapshotMaildir(maildir) };
  for (const d of fs
    .readdirSync(maildir)
    .filter((x) => x.startsWith('.') && fs.lstatSync(path.join(maildir, x)).isDirectory()))
    out[d] = snapshotMaildir(path.join(maildir, d));
  return out;
}

/**
 * The box's IMAP UID lists of the Maildir and each of its folders, by folder, as the server reads
 * them: Dovecot's `dovecot-uidlist` without its mailbox GUID (random per list), Courier's
 * `courierimapuiddb`. A list that is not there is left out.
 */
export function uidListsOf(maildir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const folder of Object.keys(snapshotAllFolders(maildir)))
    for (const name of ['dovecot-uidlist', 'courierimapuiddb']) {
      const file = path.join(maildir, folder === 'INBOX' ? '' : folder, name);
      if (fs.existsSync(file)) out[`${folder}/${name}`] = fs.readFileSync(file, 'utf8').replace(/ G[0-9a-f]*/, '');
    }
  return out;
}
