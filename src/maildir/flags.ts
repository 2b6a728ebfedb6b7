/** IMAP system flags and the Maildir info letters that stand for them (Maildir spec, Dovecot, Courier). */
const LETTER_BY_FLAG: Record<string, string> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  $Forwarded: 'P',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};

export interface MaildirFlags {
  /** Info letters, sorted as the Maildir spec asks ("" when the message has none). */
  letters: string;
  /** IMAP flags and keywords a plain Maildir name cannot hold (\Recent is session state, not kept). */
  dropped: string[];
}

export function maildirFlagsFromImap(flags: readonly string[]): MaildirFlags {
  const letters = new Set<string>();
  const dropped: string[] = [];
  for (const f of flags) {
    const letter = LETTER_BY_FLAG[f];
    if (letter) letters.add(letter);
    else if (f !== '\\Recent') dropped.push(f);
  }
  return { letters: [...letters].sort().join(''), dropped };
}

/** The letters of a Maildir file name's info part (":2,FS" → "FS"; "" without one). Lower-case
 *  letters are kept: Dovecot writes keywords as a–z. */
export function infoLetters(name: string): string {
  return /:2,([A-Za-z]*)$/.exec(name)?.[1] ?? '';
}

/** The IMAP flags a Maildir file name carries in its info part (":2,FS" → \Flagged \Seen). */
export function imapFlagsFromName(name: string): string[] {
  const info = infoLetters(name);
  return Object.entries(LETTER_BY_FLAG)
    .filter(([, letter]) => info.includes(letter))
    .map(([flag]) => flag);
}

/** Flags a Maildir name can hold: only these are compared between source and Maildir. */
export const MAILDIR_FLAGS: readonly string[] = Object.keys(LETTER_BY_FLAG);

/** Where a message goes: new/NAME when it has no flags at all (unseen, as qmail-local delivers),
 *  otherwise cur/NAME:2,LETTERS so that the flags survive. A file already in cur/ stays there:
 *  an IMAP server moved it when a client saw it. */
export function maildirPlacement(name: string, letters: string, inCur = false): { dir: 'new' | 'cur'; file: string } {
  return letters === '' && !inCur ? { dir: 'new', file: name } : { dir: 'cur', file: `${name}:2,${letters}` };
}
