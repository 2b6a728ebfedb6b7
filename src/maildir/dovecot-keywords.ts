import path from 'node:path';
import { FolderError, type ErrorContext } from '../errors.js';
import { DOVECOT_MAX_KEYWORDS } from '../limits.js';
import { readOwnFile } from './read-file.js';
import { dovecotLocked } from './dovecot-uidlist.js';
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

/**
 * Writes the keyword file a plan's names need, before any of them is linked: a name must never
 * carry a letter the file does not define. Under Dovecot's lock, against the file as it is then: a
 * keyword Dovecot added meanwhile is kept, and a letter it gave another keyword meanwhile fails the
 * folder (the names planned with it would show the wrong keyword) until a re-run plans again.
 */
export async function saveDovecotKeywords(
  folderDir: string,
  planned: readonly (string | undefined)[],
  context: ErrorContext,
): Promise<void> {
  await dovecotLocked(
    folderDir,
    async () => {
      const now = await readDovecotKeywords(folderDir, context);
      const clash = planned.findIndex((kw, i) => kw !== undefined && now[i] !== undefined && now[i] !== kw);
      if (clash >= 0)
        throw new FolderError(
          `${KEYWORDS_FILE} changed while the folder was planned (letter ${String.fromCharCode(FIRST_LETTER + clash)}); run again`,
          context,
        );
      const merged = Array.from({ length: Math.max(now.length, planned.length) }, (_, i) => now[i] ?? planned[i]);
      const lines = merged.flatMap((kw, i) => (kw === undefined ? [] : [`${i} ${kw}\n`]));
      await replaceFile(folderDir, path.join(folderDir, KEYWORDS_FILE), lines.join(''), context);
    },
    context,
  );
}
