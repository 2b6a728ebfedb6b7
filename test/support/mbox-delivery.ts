import fs from 'node:fs';
import path from 'node:path';
import type { SampleMessage } from '../../scripts/lib/sample-mail.js';

/**
 * Appends messages to an mbox file as a local delivery program (procmail, mail.local) does: a
 * `From ` line, LF line ends, body lines that begin with `From ` (after any `>`) quoted with one
 * more `>`, a blank line after each message. The file is owned as its directory is, mode 0600.
 * Dovecot's own IMAP APPEND would add a unique X-Delivery-ID header to each message, so mail
 * that is to look alike is written here instead. Only for a box no one is reading meanwhile.
 */
export function deliverToMbox(file: string, messages: readonly SampleMessage[]): void {
  const text = messages.map((m) => fromLine(m.internalDate) + quoted(m.raw.toString('latin1')) + '\n').join('');
  fs.appendFileSync(file, text, { encoding: 'latin1', mode: 0o600 });
  const dir = fs.statSync(path.dirname(file));
  fs.chownSync(file, dir.uid, dir.gid);
}

function fromLine(date: Date): string {
  // asctime() form, as in the envelope line of every mbox: "Sun Jun  1 12:00:00 2026".
  const [weekday, day, month, year, time] = date.toUTCString().replace(',', '').split(' ') as string[];
  return `From sender@old.example ${weekday} ${month} ${String(Number(day)).padStart(2)} ${time} ${year}\n`;
}

function quoted(raw: string): string {
  const lf = raw.replaceAll('\r\n', '\n');
  const ended = lf.endsWith('\n') ? lf : `${lf}\n`;
  return ended.replace(/^(>*From )/gm, '>$1');
}

/**
 * Changes one message of a Dovecot mbox INBOX (`mbox:~/mail:INBOX=~/mbox`) the way a server that
 * keeps flags in the message does (GNU Mailutils writes Status: and X-Status: into it, headers
 * Dovecot would hide): a header line Dovecot shows is added after the line `after`. The message
 * keeps its UID (its X-UID header) and the mailbox its UIDVALIDITY (X-IMAPbase), its size changes.
 */
export function addHeaderInMbox(file: string, after: string, header: string): void {
  const text = fs.readFileSync(file, 'latin1');
  const at = text.indexOf(`\n${after}\n`);
  if (at < 0 || !text.includes('\nX-UID: ')) throw new Error(`${file}: no line ${after}, or no X-UID headers yet`);
  const end = at + after.length + 2;
  rewriteMbox(file, `${text.slice(0, end)}${header}\n${text.slice(end)}`);
}

/**
 * Renumbers a Dovecot mbox INBOX as a program that rewrites the file does: without Dovecot's X-UID
 * headers and with X-IMAPbase saying `uidValidity` and a next UID of 1, so that Dovecot, its
 * indexes gone, numbers the messages from 1 again under that UIDVALIDITY (the old one: UIDs moved
 * under one UIDVALIDITY, as Courier did).
 */
export function renumberMbox(file: string, uidValidity: string): void {
  const text = fs.readFileSync(file, 'latin1');
  if (!/^X-IMAPbase: /m.test(text)) throw new Error(`${file}: no X-IMAPbase header yet`);
  const renumbered = text
    .replace(/^X-UID: .*\n/gm, '')
    .replace(/^X-IMAPbase: \d+ \d+/m, `X-IMAPbase: ${uidValidity} 0000000001`);
  rewriteMbox(file, renumbered);
  const index = path.join(path.dirname(file), 'mail', '.imap');
  for (const f of fs.readdirSync(index)) if (f.startsWith('dovecot.list.index')) fs.rmSync(path.join(index, f));
}

/** The mbox's new text; Dovecot's index is rebuilt from it, as after any rewrite by another program. */
function rewriteMbox(file: string, text: string): void {
  fs.writeFileSync(file, text, 'latin1');
  fs.rmSync(path.join(path.dirname(file), 'mail', '.imap', 'INBOX'), { recursive: true });
}
