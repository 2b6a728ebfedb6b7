import { BATCH_ROWS } from './bench-batch.js';
import { growthPerMessage, inboxTitle, INBOX_ROWS } from './bench-inbox.js';
import type { Outcome } from './bench-measure.js';
import { seconds, type Table, type Target } from './bench-report.js';

/** The places the one-account rows run (the titles' suffix). */
export const LOOPBACK = 'loopback';
export const LINK = '30 ms RTT';

/** Issue 25's targets, checked against the tables of this run (a missing row: not measured). */
export function collectTargets(tables: readonly Table[], inboxSmall: number, inboxBig: number): Target[] {
  const find = (title: string, row: string): Outcome | undefined =>
    tables.find((t) => t.title.startsWith(title))?.rows.find((r) => r.name === row)?.outcome;
  const ratio = (title: string, ours: string, theirs: string) => {
    const a = seconds(find(title, ours));
    const b = seconds(find(title, theirs));
    return a !== undefined && b !== undefined ? a / b : undefined;
  };
  const targets: Target[] = [];
  const add = (what: string, target: string, value: number | undefined, met: (v: number) => boolean, unit: string) =>
    targets.push({
      what,
      target,
      measured: value === undefined ? 'not measured' : `${value.toFixed(2)}${unit}`,
      met: value === undefined ? undefined : met(value),
    });
  /** A ratio that must stay at or below `limit`. */
  const atMost = (what: string, limit: number, value: number | undefined) =>
    add(what, `≤ ${limit}×`, value, (v) => v <= limit, '×');
  const atLeast = (what: string, limit: number, value: number | undefined) =>
    add(what, `≥ ${limit}×`, value, (v) => v >= limit, '×');
  const speed = (title: string, ours: string, theirs: string) => {
    const r = ratio(title, ours, theirs);
    return r === undefined ? undefined : 1 / r;
  };
  for (const [where, delta1, onePercent] of [
    [LINK, 1.5, 1.5],
    [LOOPBACK, 3, 2],
  ] as const) {
    atLeast(
      `${where}: full import, speed vs mbsync`,
      1.3,
      speed(`Full import, one account, all folders, ${where}`, 'qmail-import', 'mbsync'),
    );
    atMost(
      `${where}: no-op delta, time vs mbsync`,
      delta1,
      ratio(`Delta with nothing new, one account, ${where}`, 'qmail-import', 'mbsync'),
    );
    atMost(
      `${where}: 1%-new delta, time vs mbsync`,
      onePercent,
      ratio(`Delta with 1% new mail, one account, ${where}`, 'qmail-import', 'mbsync'),
    );
  }
  const inbox = inboxTitle(inboxBig);
  for (const row of [INBOX_ROWS.import, INBOX_ROWS.delta, INBOX_ROWS.verify]) {
    const o = find(inbox, row);
    add(
      `${inbox}: ${row}, peak RSS`,
      '≤ 150 MiB',
      o && !('failed' in o) ? o.rssMiB : undefined,
      (v) => v <= 150,
      ' MiB',
    );
  }
  const growth = growthPerMessage(tables, inboxSmall, inboxBig, INBOX_ROWS.import);
  // "Flat, or a few bytes per message": read here as at most 16.
  add(`memory growth ${inboxSmall} → ${inboxBig}, import`, '≤ 16 B/message', growth, (v) => v <= 16, ' B/message');
  const verify = seconds(find(inbox, INBOX_ROWS.verify));
  const pop3 = seconds(find(inbox, INBOX_ROWS.pop3));
  const scan = seconds(find(inbox, INBOX_ROWS.scan));
  atMost(
    `${inbox}: verify vs POP3 UIDL+LIST plus a Maildir scan`,
    2,
    verify !== undefined && pop3 !== undefined && scan !== undefined ? verify / (pop3 + scan) : undefined,
  );
  atLeast(`${inbox}: import, messages/s vs mbsync`, 1, speed(inbox, INBOX_ROWS.import, INBOX_ROWS.mbsyncImport));
  const batch = 'First copy, batch';
  atMost('batch first copy, --jobs 2 vs mbsync 2 at a time', 1, ratio(batch, BATCH_ROWS.ours2, BATCH_ROWS.mbsync2));
  const batchDelta = 'Delta with nothing new, batch';
  atMost(
    'batch no-op delta, --jobs 2 vs mbsync 2 at a time',
    1.3,
    ratio(batchDelta, BATCH_ROWS.ours2, BATCH_ROWS.mbsync2),
  );
  atMost('batch no-op delta, --jobs 1 vs mbsync looped', 1.3, ratio(batchDelta, BATCH_ROWS.ours1, BATCH_ROWS.mbsync1));
  const huge = tables
    .find((t) => t.title.startsWith('One ') && t.title.includes('MiB message'))
    ?.rows.filter((r) => r.name.startsWith('qmail-import') && !('failed' in r.outcome))
    .map((r) => (r.outcome as { rssMiB: number }).rssMiB);
  add(
    'one huge message, peak RSS of every qmail-import mode',
    '≤ 120 MiB',
    huge?.length ? Math.max(...huge) : undefined,
    (v) => v <= 120,
    ' MiB',
  );
  return targets;
}
