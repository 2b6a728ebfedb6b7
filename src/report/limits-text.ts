import { formatBytes, plural, section } from './text-parts.js';
import type { ImportReport, OverMaxSize, QuotaReport } from './types.js';

/** Import: the messages --max-size held back, by folder, and a quota the Maildir ends over. */
export function importLimitLines(r: ImportReport, shown: number): string[] {
  return [
    ...overMaxSizeLines(r, shown),
    ...(r.quota?.over ? [overQuotaLine(r.user, r.quota, r.dryRun ? 'planned' : 'written')] : []),
  ];
}

function overMaxSizeLines(r: ImportReport, shown: number): string[] {
  const limit = r.overMaxSize;
  if (!limit || limit.messages === 0) return [];
  const folders = [
    { name: 'INBOX', skipped: r.inbox.overMaxSize },
    ...r.folders.map((f) => ({ name: f.name, skipped: f.overMaxSize })),
  ].filter((f) => f.skipped.length > 0);
  const perFolder = folders.map((f) => `${JSON.stringify(f.name)} ${f.skipped.length}`).join(', ');
  const items = folders.flatMap((f) => f.skipped.map((m) => ({ folder: f.name, ...m })));
  const verb = r.dryRun ? 'would not be copied' : 'not copied';
  return section(
    shown,
    r.user,
    items,
    [
      'message',
      `(${formatBytes(limit.bytes)}) over --max-size ${limit.limitBytes} bytes ${verb} (${perFolder}); a run without --max-size, or with a larger one, copies them`,
    ],
    (m: OverMaxSize & { folder: string }) =>
      `${JSON.stringify(m.folder)}${m.uid !== undefined ? ` uid ${m.uid}` : ''}${m.uidl !== undefined ? ` uidl ${JSON.stringify(m.uidl)}` : ''}: ${formatBytes(m.size)}`,
  );
}

/** The admin must know before the user's first mail bounces: every byte was still copied (or, in
 *  a plan or a check before the import, will be). */
export function overQuotaLine(user: string, q: QuotaReport, when: 'written' | 'planned' | 'before'): string {
  const limits = [
    ...(q.limitBytes !== null ? [`${formatBytes(q.limitBytes)} (${q.limitBytes}S)`] : []),
    ...(q.limitMessages !== null ? [`${plural(q.limitMessages, 'message')} (${q.limitMessages}C)`] : []),
  ].join(' and ');
  const [state, after] =
    when === 'written'
      ? ['is over its quota', 'all mail was copied, but the box refuses new mail']
      : [
          when === 'planned' ? 'would end over its quota' : 'is over its quota already',
          'the import copies all mail all the same, then the box refuses new mail',
        ];
  return `${user}: WARNING: the Maildir ${state}: ${formatBytes(q.usedBytes)} in ${plural(q.usedMessages, 'message')}, maildirsize allows ${limits}; ${after} for this user until some is deleted or the quota is raised`;
}
