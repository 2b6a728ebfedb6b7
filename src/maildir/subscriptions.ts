import path from 'node:path';
import type { ErrorContext } from '../errors.js';
import { readOwnFile } from './read-file.js';
import { replaceFile } from './replace-file.js';

/**
 * Adds folders to the subscription lists the IMAP servers on a qmail box read: Courier-IMAP's
 * `courierimapsubscribed` ("INBOX.Sent" per line) and Dovecot's `subscriptions` (written in its
 * version 1 form, one "Sent" per line, which Dovecot 2.x still reads; a version 2 file, tab
 * between levels, is read and merged). Names already listed stay; nothing is removed. Each file
 * is replaced by rename from tmp/, so a reader never sees half of it.
 */
export async function addSubscriptions(
  maildir: string,
  virtualNames: readonly string[],
  context: ErrorContext,
): Promise<void> {
  if (virtualNames.length === 0) return;
  await merge(
    maildir,
    'courierimapsubscribed',
    virtualNames.map((n) => `INBOX.${n}`),
    (text) => lines(text),
    context,
  );
  await merge(maildir, 'subscriptions', virtualNames, readDovecotSubscriptions, context);
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

function readDovecotSubscriptions(text: string): string[] {
  if (!text.startsWith('V\t')) return lines(text);
  const body = text.slice(text.indexOf('\n\n') + 2);
  return lines(body).map((l) => l.replaceAll('\t', '.'));
}

async function merge(
  maildir: string,
  file: string,
  add: readonly string[],
  parse: (text: string) => string[],
  context: ErrorContext,
): Promise<void> {
  const target = path.join(maildir, file);
  const known = parse(await readOwnFile(target, context));
  const missing = add.filter((n) => !known.includes(n));
  if (missing.length === 0) return;
  await replaceFile(maildir, target, `${[...known, ...missing].join('\n')}\n`, context);
}
