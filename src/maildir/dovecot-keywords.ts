import path from 'node:path';
import type { ErrorContext } from '../errors.js';
import { DOVECOT_MAX_KEYWORDS } from '../limits.js';
import { readOwnFile } from './read-file.js';
import { replaceFile } from './replace-file.js';

/**
 * Dovecot's keywords in a Maildir folder (its maildir-keywords.c): `dovecot-keywords` holds
 * `<index> <keyword>` per line, and a message carries keyword `index` as the letter 'a' + index
 * in its file name's info part (`:2,Sa`). Dovecot writes the file under its uidlist lock.
 */
const KEYWORDS_FILE = 'dovecot-keywords';
const FIRST_LETTER = 'a'.charCodeAt(0);

export async function readDovecotKeywords(folderDir: string, context: ErrorContext): Promise<string[]> {
  const known: string[] = [];
  for (const line of (await readOwnFile(path.join(folderDir, KEYWORDS_FILE), context)).split('\n')) {
    const m = /^(\d+) (\S+)$/.exec(line);
    if (m && Number(m[1]) < DOVECOT_MAX_KEYWORDS) known[Number(m[1])] = m[2] as string;
  }
  return known;
}

/**
 * The letters for `keywords`, adding what the file lacks to `known` (in place) while letters are
 * left; a keyword with no letter left is returned in `overflow`.
 */
export function dovecotKeywordLetters(
  known: (string | undefined)[],
  keywords: readonly string[],
): { letters: string; overflow: string[] } {
  let letters = '';
  const overflow: string[] = [];
  for (const kw of keywords) {
    let index = known.indexOf(kw);
    if (index < 0) {
      index = known.length < DOVECOT_MAX_KEYWORDS ? known.length : known.findIndex((k) => k === undefined);
      if (index < 0 || index >= DOVECOT_MAX_KEYWORDS) {
        overflow.push(kw);
        continue;
      }
      known[index] = kw;
    }
    letters += String.fromCharCode(FIRST_LETTER + index);
  }
  return { letters: [...letters].sort().join(''), overflow };
}

export async function writeDovecotKeywords(
  folderDir: string,
  known: readonly (string | undefined)[],
  context: ErrorContext,
): Promise<void> {
  const lines = known.flatMap((kw, i) => (kw === undefined ? [] : [`${i} ${kw}\n`]));
  await replaceFile(folderDir, path.join(folderDir, KEYWORDS_FILE), lines.join(''), context);
}
