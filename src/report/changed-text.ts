import { section } from './text-parts.js';
import type { FolderCounts, MessageId } from './types.js';

/**
 * Files that take other bytes under their name and place: messages the source changed under their
 * UID, files of ours found changed since the import wrote them (repaired), and messages deleted
 * here that --restore brought back (docs/journal.md).
 */
export function changedLines(
  shown: number,
  user: string,
  folder: string,
  counts: Pick<FolderCounts, 'changedAtSource' | 'repaired' | 'restored'>,
  dryRun: boolean,
): string[] {
  const where = JSON.stringify(folder);
  return [
    ...section(
      shown,
      user,
      counts.changedAtSource ?? [],
      [
        'message',
        `of ${where} changed at the source under the same UID (a server that keeps flags in the message): files take the new bytes, name and place kept`,
      ],
      (m) => `${idText(m)}: ${m.sizeWas} → ${m.size} bytes`,
    ),
    ...section(
      shown,
      user,
      counts.repaired ?? [],
      [
        'message',
        `of ${where} ${dryRun ? 'to repair' : 'repaired'}: the file was no longer what the import wrote, so the source's bytes ${dryRun ? 'go' : 'went'} back under its name, place and flags`,
      ],
      (m) => `${idText(m)}: ${m.why}`,
    ),
    ...section(
      shown,
      user,
      counts.restored ?? [],
      ['message', `of ${where} deleted here since the import ${dryRun ? 'to bring' : 'brought'} back (--restore)`],
      idText,
    ),
  ];
}

function idText(m: MessageId): string {
  return `${m.uid !== undefined ? `uid ${m.uid}` : 'pop3'}${m.uidl !== undefined ? ` uidl ${JSON.stringify(m.uidl)}` : ''}`;
}
