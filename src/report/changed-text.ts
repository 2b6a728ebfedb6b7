import { section } from './text-parts.js';
import type { ChangedAtSource } from './types.js';

/** Messages the source changed under their UID: said, never taken for new ones (docs/journal.md). */
export function changedLines(
  shown: number,
  user: string,
  folder: string,
  changed: readonly ChangedAtSource[] = [],
): string[] {
  return section(
    shown,
    user,
    changed,
    [
      'message',
      `of ${JSON.stringify(folder)} changed at the source under the same UID (a server that keeps flags in the message): files take the new bytes, name and place kept`,
    ],
    (m) =>
      `${m.uid !== undefined ? `uid ${m.uid}` : 'pop3'}${m.uidl !== undefined ? ` uidl ${JSON.stringify(m.uidl)}` : ''}: ${m.sizeWas} → ${m.size} bytes`,
  );
}
