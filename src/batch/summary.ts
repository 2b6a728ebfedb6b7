import type { AccountResult, UserOutcome } from './lanes.js';
import type { Account } from './accounts.js';
import { plural } from '../report/text-parts.js';
import { isClean, type QuotaReport } from '../report/types.js';

/**
 * One account's row of the batch summary. The JSON form is a contract (qmail-import(8), BATCH
 * SUMMARY): add fields, never rename or remove one.
 */
export interface SummaryRow {
  account: string;
  login: string;
  maildir: string | null;
  /** done: every command ran to its report; failed: an error ended it; partial: Ctrl-C cut it
   *  short; not-started: Ctrl-C came first. */
  status: 'done' | 'failed' | 'partial' | 'not-started';
  /** The account's worst exit code (0 fine, 1 needs attention, 2 bad input, 3 source); null if not started. */
  exitCode: number | null;
  messages: number;
  bytes: number;
  uidlsKept: number;
  /** Source POP3 messages with no IMAP counterpart: not imported. */
  uidlsUnmatched: number;
  /** Imported, but under a name POP3 clients do not know: downloaded again. */
  uidlsUnrepresentable: number;
  /** Folders imported, INBOX included. */
  folders: number;
  verify: 'ok' | 'differs' | 'error' | 'not-run';
  seconds: number;
  error: string | null;
  /** Messages above --max-size, not copied (a run without it copies them). */
  overMaxSize: number;
  /** The Maildir's quota after the import (maildirsize), or null when it has none. */
  quota: QuotaReport | null;
}

export interface SummaryTotals {
  accounts: number;
  done: number;
  failed: number;
  partial: number;
  notStarted: number;
  needAttention: number;
  messages: number;
  bytes: number;
  seconds: number;
  overMaxSize: number;
  /** Accounts whose Maildir ends over its quota. */
  overQuota: number;
}

export function summaryRow(account: Account, result: AccountResult | undefined): SummaryRow {
  const row: SummaryRow = {
    account: account.name,
    login: account.login,
    maildir: account.maildir ?? null,
    status: 'not-started',
    exitCode: null,
    messages: 0,
    bytes: 0,
    uidlsKept: 0,
    uidlsUnmatched: 0,
    uidlsUnrepresentable: 0,
    folders: 0,
    verify: 'not-run',
    seconds: 0,
    error: null,
    overMaxSize: 0,
    quota: null,
  };
  if (!result) return row;
  const failed = result.outcomes.find((o) => 'error' in o);
  row.status = result.interrupted ? 'partial' : failed ? 'failed' : 'done';
  // The error that ends an interrupted account is our own stop (however the job wrapped it): 1.
  const codes = result.outcomes.map((o) => (result.interrupted && 'error' in o ? 1 : o.exitCode));
  row.exitCode = Math.max(result.interrupted ? 1 : 0, ...codes);
  if (failed && 'error' in failed) row.error = failed.error.message;
  for (const o of result.outcomes) addOutcome(row, o);
  return row;
}

function addOutcome(row: SummaryRow, o: UserOutcome): void {
  if ('error' in o) {
    if (o.kind === 'verify') row.verify = 'error';
    return;
  }
  const r = o.report;
  row.seconds += r.resources?.seconds ?? 0;
  if (r.kind === 'verify') {
    row.verify = isClean(r) ? 'ok' : 'differs';
    return;
  }
  if (r.kind === 'check') return;
  row.messages += r.written?.messages ?? 0;
  row.bytes += r.written?.bytes ?? 0;
  row.uidlsKept = r.inbox.pop3.uidlsKept;
  row.uidlsUnmatched = r.inbox.pop3.unmatchedPop3.length;
  row.uidlsUnrepresentable = r.inbox.pop3.downloadAgain.length;
  row.folders = 1 + r.folders.filter((f) => f.error === undefined).length;
  row.overMaxSize = r.overMaxSize?.messages ?? 0;
  row.quota = r.quota ?? null;
}

export function summaryTotals(rows: readonly SummaryRow[], seconds: number): SummaryTotals {
  const count = (s: SummaryRow['status']) => rows.filter((r) => r.status === s).length;
  return {
    accounts: rows.length,
    done: count('done'),
    failed: count('failed'),
    partial: count('partial'),
    notStarted: count('not-started'),
    needAttention: rows.filter(needsAttention).length,
    messages: rows.reduce((n, r) => n + r.messages, 0),
    bytes: rows.reduce((n, r) => n + r.bytes, 0),
    seconds,
    overMaxSize: rows.reduce((n, r) => n + r.overMaxSize, 0),
    overQuota: rows.filter((r) => r.quota?.over).length,
  };
}

/** The accounts failed.txt names: anything short of a clean finish. */
export function needsAttention(row: SummaryRow): boolean {
  return row.exitCode !== 0;
}

/**
 * The batch's exit code: 0 every account fine; 3 when no account got through to the source (each
 * one that ran ended with exit 3); else 1 when any needs attention. (2, bad users file or
 * options, is decided before anything runs.)
 */
export function batchExitCode(rows: readonly SummaryRow[]): number {
  if (rows.every((r) => r.exitCode === 0)) return 0;
  const ran = rows.filter((r) => r.exitCode !== null);
  return ran.length > 0 && ran.every((r) => r.exitCode === 3) ? 3 : 1;
}

/** The summary as a table an admin reads (summary.txt). */
export function renderSummaryText(rows: readonly SummaryRow[], totals: SummaryTotals): string {
  const header = [
    'account',
    'status',
    'exit',
    'messages',
    'MB',
    'kept',
    'unmatched',
    'unrepr',
    'folders',
    'verify',
    'seconds',
    'max-size',
    'quota',
  ];
  const body = rows.map((r) => [
    r.account,
    r.status,
    r.exitCode === null ? '-' : String(r.exitCode),
    String(r.messages),
    mb(r.bytes),
    String(r.uidlsKept),
    String(r.uidlsUnmatched),
    String(r.uidlsUnrepresentable),
    String(r.folders),
    r.verify,
    r.seconds.toFixed(1),
    String(r.overMaxSize),
    r.quota === null ? '-' : r.quota.over ? 'OVER' : 'ok',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => (b[c] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        c === 0 || c === 1 || c === 9 || c === 12
          ? cell.padEnd(widths[c] as number)
          : cell.padStart(widths[c] as number),
      )
      .join('  ')
      .trimEnd();
  const errors = rows.filter((r) => r.error !== null).map((r) => `${r.account}: ${r.error}`);
  return [line(header), ...body.map(line), '', totalsLine(totals), ...(errors.length ? ['', 'errors:', ...errors] : [])]
    .map((l) => `${l}\n`)
    .join('');
}

export function totalsLine(t: SummaryTotals): string {
  return `${plural(t.accounts, 'account')}: ${t.done} done, ${t.failed} failed, ${t.partial} partial, ${t.notStarted} not started; ${needAttentionText(t.needAttention)}; ${plural(t.messages, 'message')}, ${mb(t.bytes)} MB written in ${t.seconds.toFixed(0)} s`;
}

export function needAttentionText(n: number): string {
  return plural(n, 'needs attention', 'need attention');
}

export function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
