import fs from 'node:fs';
import path from 'node:path';
import { withSourceImap } from '../../scripts/lib/source-imap.js';
import { storedBytes } from './stored-bytes.js';
import { uidlOfName } from '../../src/maildir/pop3d-listing.js';
import type { Account } from './accounts.js';

/** Every message file of the destination INBOX: name up to ':' (its UIDL) → bytes. */
export function inboxFiles(maildir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const sub of ['new', 'cur'])
    for (const name of fs.readdirSync(path.join(maildir, sub)))
      out.set(uidlOfName(name), fs.readFileSync(path.join(maildir, sub, name)));
  return out;
}

/** The source's INBOX bytes of each IMAP UID in UID order (the POP3 order), as stored here (LF). */
export async function sourceBytesByUid(a: Account): Promise<Map<number, Buffer>> {
  return withSourceImap(a.server, a.user, a.password, async (client) => {
    await client.mailboxOpen('INBOX', { readOnly: true });
    const out = new Map<number, Buffer>();
    for await (const m of client.fetch('1:*', { uid: true, source: true }))
      if (m.source) out.set(m.uid, storedBytes(m.source));
    return out;
  });
}
