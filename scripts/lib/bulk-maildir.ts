import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SampleMessage } from './sample-mail.js';

/**
 * Writes messages straight into a Maildir as files (LF line ends, mtime = INTERNALDATE, seen mail
 * in cur/), then hands the tree to `owner`. For benchmarks: APPENDing 100,000 messages one by one
 * would take longer than what is measured. Dovecot numbers such files in name order, which the
 * zero-padded names make the order given here; `tag` keeps a later batch's names apart.
 */
export function writeMaildirFiles(
  maildir: string,
  messages: readonly SampleMessage[],
  owner: { uid: number; gid: number },
  tag = 'bench',
): void {
  for (const d of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(maildir, d), { recursive: true });
  messages.forEach((m, i) => {
    const sec = Math.floor(m.internalDate.getTime() / 1000);
    const name = `${sec}.M${String(i).padStart(7, '0')}.${tag}`;
    const file = m.flags.includes('\\Seen')
      ? path.join(maildir, 'cur', `${name}:2,S`)
      : path.join(maildir, 'new', name);
    fs.writeFileSync(file, m.raw.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
    fs.utimesSync(file, m.internalDate, m.internalDate);
  });
  execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, path.dirname(maildir)]);
}
