import { changedLines } from './changed-text.js';
import { begun, cutShortLines, folderErrorLine } from './cut-short-text.js';
import { importImapUidLines, verifyImapUidLines } from './imap-uids-text.js';
import { importLimitLines, overQuotaLine } from './limits-text.js';
import { pop3Lines, uidlsLine } from './pop3-text.js';
import { formatBytes, plural, section } from './text-parts.js';
import {
  type CheckReport,
  folderDiffers,
  isClean,
  type HistoryReport,
  type ImportReport,
  type UserReport,
  type VerifyReport,
} from './types.js';

/** How many examples of one kind of difference a text report shows; --json has them all. */
const SHOWN = 10;

/** The report an administrator reads in ten seconds: one line per user when all is well.
 *  `all` lists every item of each kind instead of the first few. */
export function renderText(r: UserReport, all = false): string {
  const shown = all ? Infinity : SHOWN;
  const lines =
    r.kind === 'import' ? importLines(r, shown) : r.kind === 'verify' ? verifyLines(r, shown) : checkLines(r);
  return lines.map((l) => `${l}\n`).join('');
}

function checkLines(r: CheckReport): string[] {
  const folders = r.folders.map((f) => `${f.name} ${f.messages}`).join(', ');
  const maildir = r.maildirExists ? 'Maildir there' : `Maildir ${r.maildir} does not exist (import needs --create)`;
  const server =
    r.imapServer.server === 'none'
      ? `box's IMAP server: none (${r.imapServer.because}), so no IMAP UID lists would be written`
      : `box's IMAP server: ${r.imapServer.server} (${r.imapServer.because})`;
  return [
    `${r.user}: logins OK; IMAP: ${plural(r.folders.length, 'folder')} (${folders}); POP3: ${plural(r.pop3.messages, 'message')}, ${formatBytes(r.pop3.bytes)}; ${maildir}; ${server}`,
    ...r.problems.map((p) => `${r.user}: the import would fail here: ${p}`),
    ...(r.quota?.over ? [overQuotaLine(r.user, r.quota, 'before')] : []),
  ];
}

function importLines(r: ImportReport, shown: number): string[] {
  const i = r.inbox;
  const p = i.pop3;
  const verb = r.dryRun ? 'would import' : 'imported';
  const uidls = uidlsLine(p);
  const written = r.dryRun ? i.toWrite : i.written;
  const reflagged = i.reflagged ? ` (${i.reflagged} with new flags)` : '';
  const moved = i.history?.movedByContent ?? 0;
  const renamed = moved ? `, ${moved} renamed from earlier files` : '';
  if (i.error !== undefined && !begun(i))
    return [folderErrorLine(r.user, 'INBOX', i), ...folderLines(r, shown), ...cutShortLines(r, shown)];
  const lines = [
    i.unchanged
      ? `${r.user}: INBOX unchanged since the last complete run (STATUS), ${plural(i.imapMessages, 'message')} there; ${uidls}`
      : `${r.user}: INBOX ${verb} ${written} of ${plural(i.imapMessages, 'message')}${renamed}, ${i.alreadyPresent} already there${reflagged}; ${uidls}${r.dryRun ? '; dry run, nothing written' : ''}`,
  ];
  if (i.error !== undefined) lines.push(folderErrorLine(r.user, 'INBOX', i));
  lines.push(...section(shown, r.user, i.errors, ['message', 'failed'], (e) => e));
  lines.push(...section(shown, r.user, i.notExact ?? [], ['message', NOT_EXACT], (e) => e));
  lines.push(...pop3Lines(r.user, p, shown));
  lines.push(...changedLines(shown, r.user, 'INBOX', i.changedAtSource));
  if (i.history) lines.push(...historyLines(shown, r.user, 'INBOX', i.history));
  lines.push(...folderLines(r, shown));
  lines.push(...importImapUidLines(r));
  lines.push(...importLimitLines(r, shown));
  lines.push(...cutShortLines(r, shown));
  if (r.dryRun)
    lines.push(
      `${r.user}: plan: ${plural(i.toWrite + r.folders.reduce((n, f) => n + f.toWrite, 0), 'message')}, ${formatBytes(planBytes(r))} to copy`,
    );
  const droppedCounts: Record<string, number> = { ...i.droppedFlags };
  for (const f of r.folders)
    for (const [flag, n] of Object.entries(f.droppedFlags)) droppedCounts[flag] = (droppedCounts[flag] ?? 0) + n;
  const dropped = Object.entries(droppedCounts);
  if (dropped.length > 0)
    lines.push(
      `${r.user}: flags a Maildir cannot hold, left out: ${dropped.map(([f, n]) => `${f} (${n})`).join(', ')}`,
    );
  return lines;
}

/** Messages written whose bytes may differ from the stored ones where the source holds NUL bytes. */
const NOT_EXACT = 'whose NUL bytes, if any, may be 0x80 here';
/** Source bytes an import (or its plan) copies, INBOX and folders. */
export function planBytes(r: ImportReport): number {
  return r.inbox.bytesToWrite + r.folders.reduce((n, f) => n + f.bytesToWrite, 0);
}

/** One summary line for all other folders; a line per folder only for problems (or with --verbose). */
function folderLines(r: ImportReport, shown: number): string[] {
  if (r.folders.length === 0) return [];
  const sum = (pick: (f: ImportReport['folders'][number]) => number) => r.folders.reduce((n, f) => n + pick(f), 0);
  const written = r.dryRun ? sum((f) => f.toWrite) : sum((f) => f.written);
  const reflagged = sum((f) => f.reflagged);
  const unchanged = r.folders.filter((f) => f.unchanged).length;
  const lines = [
    `${r.user}: ${plural(r.folders.length, 'other folder')}${unchanged ? ` (${unchanged} unchanged since the last complete run)` : ''}: ${r.dryRun ? 'would import' : 'imported'} ${written} of ${plural(
      sum((f) => f.imapMessages),
      'message',
    )}, ${sum((f) => f.alreadyPresent)} already there${reflagged ? ` (${reflagged} with new flags)` : ''}`,
  ];
  for (const f of r.folders) {
    if (f.error !== undefined) lines.push(folderErrorLine(r.user, f.name, f));
    else if (f.skipped !== undefined) lines.push(`${r.user}: folder ${JSON.stringify(f.name)}: ${f.skipped}`);
    else if (f.renamedFrom !== undefined)
      lines.push(
        `${r.user}: folder ${JSON.stringify(f.renamedFrom)} stored as ${f.dir} ("." is the Maildir++ level separator)`,
      );
    else if (shown === Infinity)
      lines.push(
        `${r.user}: folder ${JSON.stringify(f.name)} → ${f.dir}: ${f.toWrite} to write, ${f.alreadyPresent} already there`,
      );
    lines.push(...section(shown, r.user, f.errors, ['message', `of ${JSON.stringify(f.name)} failed`], (e) => e));
    lines.push(
      ...section(shown, r.user, f.notExact ?? [], ['message', `of ${JSON.stringify(f.name)} ${NOT_EXACT}`], (e) => e),
    );
    lines.push(...changedLines(shown, r.user, f.name, f.changedAtSource));
    if (f.history) lines.push(...historyLines(shown, r.user, f.name, f.history));
  }
  return lines;
}

/** What the journal told: a renumbered folder, messages deleted on either side. */
function historyLines(shown: number, user: string, folder: string, h: HistoryReport): string[] {
  const lines: string[] = [];
  const where = JSON.stringify(folder);
  if (h.uidValidityChangedFrom !== undefined)
    lines.push(
      `${user}: ${where}: the source renumbered this folder (UIDVALIDITY changed from ${h.uidValidityChangedFrom}); ${plural(h.movedByContent, 'message')} recognised by content, not copied twice`,
    );
  if (h.keptDeleted > 0)
    lines.push(
      `${user}: ${where}: ${plural(h.keptDeleted, 'message')} deleted here since they were imported, not brought back`,
    );
  const verb = h.goneDeleted ? 'removed here too (--delete)' : 'kept here (--delete removes them)';
  lines.push(
    ...section(shown, user, h.goneFromSource, ['message', `of ${where} no longer on the source, ${verb}`], (f) => f),
  );
  return lines;
}

function verifyLines(r: VerifyReport, shown: number): string[] {
  return [...pop3VerifyLines(r, shown), ...verifyImapUidLines(r, shown)];
}

function pop3VerifyLines(r: VerifyReport, shown: number): string[] {
  const d = r.diff;
  const how = r.listedBy === 'model' ? 'modelled, not run: no qmail-pop3d found' : `listed by ${r.listedBy}`;
  const content = r.contentChecked > 0 ? `, ${r.contentChecked} compared byte for byte` : '';
  const folders =
    r.folders.length > 1
      ? `; ${r.folders.length} folders with the source's counts${r.strict ? ' and flags' : ' (flags not compared: --strict compares them)'}`
      : '';
  const since = sinceText(r);
  if (isClean(r))
    return [
      `${r.user}: OK, ${d.matched} of ${plural(r.sourceMessages, 'source UIDL')} listed in the same order with the same sizes${content}${folders}${since} (${how})`,
    ];
  const uidls = r.sourceMessages - d.sharedUidl.length;
  const shared = d.sharedUidl.length > 0 ? ` (${plural(r.sourceMessages, 'message')})` : '';
  return [
    `${r.user}: MISMATCH, ${d.matched} of ${plural(uidls, 'source UIDL')} found${shared}, ${r.localMessages} listed locally${since} (${how})`,
    ...section(
      shown,
      r.user,
      d.sharedUidl,
      [
        'source message',
        'under a UIDL an earlier source message has (qmail-pop3d lists each name once: POP3 clients see them as new)',
      ],
      (m) => `source #${m.n} uidl ${JSON.stringify(m.uidl)}`,
    ),
    ...section(
      shown,
      r.user,
      d.missing,
      'missing here (POP3 clients lose track of them)',
      (m) => `source #${m.n} uidl ${JSON.stringify(m.uidl)}`,
    ),
    ...section(
      shown,
      r.user,
      d.extra,
      'extra here (POP3 clients download them as new)',
      (m) => `#${m.n} uidl ${JSON.stringify(m.uidl)}`,
    ),
    ...section(
      shown,
      r.user,
      d.reordered,
      'listed out of the source order',
      (m) => `uidl ${JSON.stringify(m.uidl)}: source #${m.sourceN}, here #${m.localN}`,
    ),
    ...section(
      shown,
      r.user,
      d.sizeDiffers,
      ['message', 'whose size differs after line-end conversion'],
      (m) =>
        `#${m.localN} uidl ${JSON.stringify(m.uidl)}: source ${m.sourceSize}, here ${Number.isNaN(m.localSizeCrlf) ? 'unreadable' : m.localSizeCrlf}`,
    ),
    ...section(
      shown,
      r.user,
      r.contentDiffers,
      `of ${plural(r.contentChecked, 'compared message')} differ from the source's bytes`,
      (u) => `uidl ${JSON.stringify(u)}`,
    ),
    ...section(
      shown,
      r.user,
      r.folders.filter(folderDiffers),
      ['folder', 'different from the source'],
      (f) =>
        `${JSON.stringify(f.name)} (${f.dir}): ${f.error !== undefined ? `not compared: ${f.error}` : f.localMessages === undefined ? 'missing' : `${f.localMessages} of ${plural(f.sourceMessages, 'message')}`}${Object.entries(
          f.flagDiffs,
        )
          .map(([flag, [s, l]]) => `, ${flag} ${l} of ${s}`)
          .join('')}`,
    ),
    ...section(shown, r.user, r.equalMtimes, ['group', 'of messages sharing one mtime second (order unstable)'], (g) =>
      g.map((u) => JSON.stringify(u)).join(' '),
    ),
    ...section(shown, r.user, r.futureMtimes, ['file', 'with an mtime not in the past (not listed yet)'], (f) => f),
    ...section(
      shown,
      r.user,
      r.badPermissions,
      ['file', 'with the wrong owner or mode'],
      (p) => `${p.file}: uid ${p.uid} mode ${p.mode}`,
    ),
  ];
}

/** "; 2 new here, 2 deleted here since the import": normal life, counted, not a mismatch. */
function sinceText(r: VerifyReport): string {
  const s = r.sinceImport;
  if (!s) return '';
  const gone = s.goneFromSource ? `, ${s.goneFromSource} gone from the source` : '';
  const life =
    s.newHere + s.deletedHere + s.goneFromSource > 0
      ? `; ${s.newHere} new here, ${s.deletedHere} deleted here${gone} since the import`
      : '';
  return `${life}${s.overMaxSize ? `; ${s.overMaxSize} not copied by the import (over its --max-size)` : ''}`;
}
