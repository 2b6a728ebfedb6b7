import type { Outcome } from './bench-measure.js';
import { seconds, type Table, type Target } from './bench-report.js';
import { VERIFY_ROWS } from './bench-verify.js';

/** The targets, checked against the tables of this run (a missing row: not measured). */
export function collectTargets(tables: readonly Table[]): Target[] {
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
  const full = ratio('Full import', 'mbsync', 'qmail-import');
  add('full import, messages/s vs mbsync', '≥ 1.3×', full, (v) => v >= 1.3, '×');
  atMost(
    'delta, nothing new, one account: time vs mbsync',
    3,
    ratio('Delta with nothing new, one', 'qmail-import', 'mbsync'),
  );
  atMost(
    'delta, nothing new, batch: time vs mbsync looped',
    2,
    ratio('Delta with nothing new, batch', 'qmail-import batch --jobs 1', 'mbsync, looped'),
  );
  atMost('delta, 1% new: time vs mbsync', 2, ratio('Delta with 1%', 'qmail-import', 'mbsync'));
  const rss = tables
    .flatMap((t) => t.rows)
    .filter((r) => r.name.startsWith('qmail-import') && !('failed' in r.outcome))
    .map((r) => (r.outcome as { rssMiB: number }).rssMiB)
    .filter((m) => !Number.isNaN(m));
  add(
    'peak RSS, every qmail-import row',
    '≤ 120 MiB',
    rss.length ? Math.max(...rss) : undefined,
    (v) => v <= 120,
    ' MiB',
  );
  const verify = seconds(find('verify', VERIFY_ROWS.verify));
  const pop3 = seconds(find('verify', VERIFY_ROWS.pop3));
  const scan = seconds(find('verify', VERIFY_ROWS.scan));
  atMost(
    'verify vs source POP3 UIDL+LIST plus Maildir scan',
    2,
    verify !== undefined && pop3 !== undefined && scan !== undefined ? verify / (pop3 + scan) : undefined,
  );
  return targets;
}
