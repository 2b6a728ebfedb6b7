import { dovecotKeywordLetters } from '../maildir/dovecot-keywords.js';

/**
 * What the box's IMAP server reads from a folder's file names (docs/imap-uids.md): Dovecot shows
 * keywords from letters a–z that `dovecot-keywords` defines; Courier keeps a UID only for a file
 * in cur/. Absent: no IMAP server on the box, plain Maildir names.
 */
export type BoxFolder = { server: 'dovecot'; keywords: readonly (string | undefined)[] } | { server: 'courier' };

/** The keyword letters of one message, and the keywords no letter was left for. */
export interface KeywordLetters {
  letters: string;
  overflow: string[];
}

/**
 * The box's naming rules for one folder's plan, so that every message's final name is decided once,
 * before anything is written (a name is never changed afterwards to suit the server). Dovecot's
 * keyword letters are handed out in the order the plan asks for them, as its own saves do.
 */
export class BoxNaming {
  private readonly known: (string | undefined)[];

  constructor(private readonly box: BoxFolder | undefined) {
    this.known = box?.server === 'dovecot' ? [...box.keywords] : [];
  }

  /** Courier numbers what is in new/ itself: every message goes to cur/ (unseen: `:2,`). */
  get allInCur(): boolean {
    return this.box?.server === 'courier';
  }

  keywordLetters(keywords: readonly string[]): KeywordLetters {
    if (this.box?.server !== 'dovecot') return { letters: '', overflow: [...keywords] };
    return dovecotKeywordLetters(this.known, keywords);
  }

  /** Dovecot: the keyword file the planned names need, when it must change. */
  keywordFile(): (string | undefined)[] | undefined {
    if (this.box?.server !== 'dovecot') return undefined;
    const before = this.box.keywords;
    const same = this.known.length === before.length && this.known.every((k, i) => k === before[i]);
    return same ? undefined : [...this.known];
  }
}
