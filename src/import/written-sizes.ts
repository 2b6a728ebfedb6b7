import type { PlannedMessage } from '../plan/message.js';
import type { Pop3Message } from '../message-records.js';

/** A file named by a source UIDL whose size is not the size the source's POP3 LIST gives that UIDL. */
export interface SizeMismatch {
  uidl: string;
  /** The source's POP3 message number. */
  n: number;
  /** What the source's LIST says (CRLF). */
  listSize: number;
  /** The written file's size counted with CRLF line ends (stored size plus its LF count). */
  fileSize: number;
}

/**
 * The check after writing (docs/matching.md): every written file that is named by its UIDL must
 * have, counted with CRLF line ends, the size the source's POP3 LIST gives that UIDL's message.
 * A difference means the file may hold another message than POP3 clients know under that name,
 * so each one is reported by UIDL (and the run exits 1), never passed over. Pure: the writer hands
 * in the CRLF sizes of the files it wrote, by name.
 */
export function checkWrittenSizes(
  messages: readonly Pick<PlannedMessage, 'name' | 'uidl' | 'pop3N'>[],
  listing: readonly Pop3Message[],
  writtenCrlfSizes: ReadonlyMap<string, number>,
): SizeMismatch[] {
  const listSize = new Map(listing.map((p) => [p.n, p.size]));
  return messages.flatMap((m): SizeMismatch[] => {
    const fileSize = writtenCrlfSizes.get(m.name);
    if (m.pop3N === undefined || m.uidl !== m.name || fileSize === undefined) return [];
    const size = listSize.get(m.pop3N) ?? NaN;
    return fileSize === size ? [] : [{ uidl: m.uidl, n: m.pop3N, listSize: size, fileSize }];
  });
}

/** One report line per mismatch. */
export function describeSizeMismatch(m: SizeMismatch): string {
  return `uidl ${m.uidl}: written file has ${m.fileSize} bytes with CRLF line ends, the source's POP3 LIST says ${m.listSize}: it may hold another message than POP3 clients know under this UIDL`;
}
