import { plural, section } from './text-parts.js';
import type { Pop3Report } from './types.js';

/** How the INBOX's UIDLs were kept, for its summary line. */
export function uidlsLine(p: Pop3Report): string {
  const how = Object.entries(p.matchedBy)
    .map(([by, n]) => `${by}: ${n}`)
    .join(', ');
  return p.uidlMode === 'off'
    ? 'UIDLs not kept (--uidl off)'
    : `${p.uidlsKept} of ${plural(p.pop3Messages, 'source UIDL')} kept${how ? ` (${how})` : ''}`;
}

/** What POP3 clients will notice: every UIDL not kept, and why; messages read with RETR. */
export function pop3Lines(user: string, p: Pop3Report, shown: number): string[] {
  const lines: string[] = [];
  if (p.sharedUidls > 0)
    lines.push(
      `${user}: ${plural(p.sharedUidls, 'source message shares', 'source messages share')} a UIDL with another: qmail-pop3d lists each name once, so POP3 clients see the others as new`,
    );
  lines.push(
    ...section(
      shown,
      user,
      p.downloadAgain,
      'imported, but POP3 clients will download again',
      (m) =>
        `${m.uid !== undefined ? `uid ${m.uid}` : 'pop3'}${m.uidl !== undefined ? ` uidl ${JSON.stringify(m.uidl)}` : ''}: ${m.reason}`,
    ),
  );
  lines.push(
    ...section(
      shown,
      user,
      p.unmatchedPop3,
      ['source POP3 message', 'not imported'],
      (m) => `#${m.n} uidl ${JSON.stringify(m.uidl)}: ${m.reason}`,
    ),
  );
  lines.push(...section(shown, user, p.sizeMismatches ?? [], ['file', 'whose size is not what POP3 lists'], (e) => e));
  if (p.readWithRetr > 0)
    lines.push(
      `${user}: ${plural(p.readWithRetr, 'message')} read over POP3 with RETR (TOP's size disagreed with LIST, or the message was too big to hold while checking it), each followed by RSET so that the source keeps them unread`,
    );
  lines.push(
    ...section(
      shown,
      user,
      p.outOfOrder,
      [
        'message',
        "with no free second in the source's order among those already here: UIDLs kept, numbered out of order",
      ],
      (n) => n,
    ),
  );
  lines.push(
    ...section(
      shown,
      user,
      p.conflicts,
      ['UIDL name', 'taken by other files (POP3 clients will see those files)'],
      (c) => c,
    ),
  );
  return lines;
}
