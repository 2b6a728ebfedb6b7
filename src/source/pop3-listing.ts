import type { SourceError } from '../errors.js';
import type { Pop3Message } from '../message-records.js';

/** One line of a POP3 UIDL listing. The UIDL is kept as the server's bytes read as latin1,
 *  so that any byte survives unchanged for the representability check. */
export interface UidlEntry {
  n: number;
  uidl: string;
}

/** One line of a POP3 LIST listing, size as the server counts it. */
export interface ListEntry {
  n: number;
  size: number;
}

/** Joins UIDL and LIST answers; a message LIST left out gets size NaN, which no size equals. */
export function joinUidlAndList(uidl: readonly UidlEntry[], list: readonly ListEntry[]): Pop3Message[] {
  const sizeByN = new Map(list.map((l) => [l.n, l.size]));
  return uidl.map((u) => ({ n: u.n, uidl: u.uidl, size: sizeByN.get(u.n) ?? NaN }));
}

/** The lines of a UIDL or LIST answer, each checked: a message number once, a whole number from 1;
 *  `pattern` captures the number and the rest after one space. */
export function parseListing<T extends { n: number }>(
  lines: Buffer[],
  command: string,
  pattern: RegExp,
  build: (n: number, rest: string) => T,
  error: (message: string) => SourceError,
): T[] {
  const seen = new Set<number>();
  return lines.map((raw) => {
    const line = raw.toString('latin1');
    const m = pattern.exec(line);
    const n = m ? Number(m[1]) : NaN;
    if (!m || !Number.isSafeInteger(n) || n < 1 || seen.has(n)) {
      throw error(`malformed ${command} line: ${JSON.stringify(line.slice(0, 200))}`);
    }
    seen.add(n);
    // Decoded again from the line's bytes (each pattern reads "n SP rest"): a UIDL sliced out of
    // the line would keep the whole line in memory for as long as the listing is held.
    const at = (m[1] as string).length + 1;
    return build(n, raw.toString('latin1', at, at + (m[2] as string).length));
  });
}
