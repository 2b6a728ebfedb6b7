import path from 'node:path';
import { freshHome, qmailImport, type BenchContext } from './bench-context.js';
import { folderCounts, seedFolders, type SizeMix } from './bench-mailbox.js';
import { counted, type Link } from './bench-link.js';
import { bestOfEach, type Outcome } from './bench-measure.js';
import { doveadmBackup, mbsync, offlineimap, runPeer, type PeerRun } from './bench-peers.js';
import type { Row, Table } from './bench-report.js';

/** A contender of the single-account rows: how to make its copy, given the directory it owns. */
interface Contender {
  name: string;
  /** Who owns the copy's directory. */
  runsAs: 'owner' | 'source';
  command: (home: string) => PeerRun;
  /** Only in the full-copy table (the physical floor has no delta). */
  fullOnly?: boolean;
}

function contenders(ctx: BenchContext, USER: string): Contender[] {
  const account = (home: string) => ({ user: USER, password: ctx.password, home });
  const src = ctx.server.maildirOf(USER);
  return [
    {
      name: 'qmail-import',
      runsAs: 'owner',
      command: (h) => qmailImport(ctx, 'import', USER, path.join(h, 'Maildir')),
    },
    { name: 'mbsync', runsAs: 'owner', command: (h) => mbsync(ctx.server, [account(h)], h, ctx.owner) },
    { name: 'offlineimap3', runsAs: 'owner', command: (h) => offlineimap(ctx.server, account(h), ctx.owner) },
    { name: 'doveadm backup (imapc)', runsAs: 'source', command: (h) => doveadmBackup(ctx.server, account(h), false) },
    {
      name: 'doveadm backup (imapc + pop3c, pop3_migration)',
      runsAs: 'source',
      command: (h) => doveadmBackup(ctx.server, account(h), true),
    },
    {
      name: 'cp -a + fsync per file (physical floor)',
      runsAs: 'owner',
      fullOnly: true,
      command: (h) => ({
        argv: ['sh', '-c', `cp -a '${src}' '${h}/Maildir' && find '${h}/Maildir' -print0 | xargs -0 sync`],
        options: {},
      }),
    },
  ];
}

/** Where the rows run: on loopback (every peer), or over a slow link (the peers named). */
export interface Where {
  /** The source's account (its own, so that each place starts from the same mailbox). */
  user: string;
  /** Put after each table's title: 'loopback', '30 ms RTT'. */
  label: string;
  link?: Link;
  /** Said under the full import's table: how the source is reached. */
  about?: string;
  only?: readonly string[];
}

/**
 * One account, every folder: the full copy into an empty Maildir (each round a fresh one), then,
 * on the last copy of each tool, a delta with nothing new and a delta with 1% new mail. Over a
 * link, each row notes the round trips its last run cost.
 */
export async function benchImport(ctx: BenchContext, total: number, mix: SizeMix, where: Where): Promise<Table[]> {
  const USER = where.user;
  ctx.server.addUser(USER, ctx.password);
  const bytes = seedFolders(ctx.server, USER, total, mix, ctx.srcOwner, 'base');
  const all = contenders(where.link?.ctx ?? ctx, USER).filter((c) => !where.only || where.only.includes(c.name));
  const homes = new Map<string, string>();
  const home = (c: Contender) => homes.get(c.name) as string;
  // Each phase its own notes: a tool left out of a phase shows none there.
  const [fullNotes, nothingNewNotes, notes] = [
    new Map<string, string>(),
    new Map<string, string>(),
    new Map<string, string>(),
  ];
  const run = async (c: Contender, h: string, messages: number, said: Map<string, string>): Promise<Outcome> => {
    if (!where.link) return runPeer(c.command(h));
    const [outcome, note] = await counted(where.link, messages, () => runPeer(c.command(h)));
    said.set(c.name, note);
    return outcome;
  };
  const full = await bestOfEach(
    ctx.rounds,
    all.map((c) => [
      c.name,
      () => {
        const h = freshHome(ctx, 'copy', c.runsAs === 'owner' ? ctx.owner : ctx.srcOwner);
        homes.set(c.name, h);
        return run(c, h, total, fullNotes);
      },
    ]),
  );
  const delta = all.filter((c) => !c.fullOnly && !('failed' in (full.get(c.name) as Outcome)));
  const nothingNew = await bestOfEach(
    ctx.rounds,
    delta.map((c) => [c.name, () => run(c, home(c), 0, nothingNewNotes)]),
  );
  const newCount = Math.max(1, Math.round(total / 100));
  const onePercent = await bestOfEach(
    ctx.rounds,
    delta.map((c) => [c.name, () => run(c, home(c), newCount, notes)]),
    (round) =>
      seedFolders(
        ctx.server,
        USER,
        newCount,
        mix,
        ctx.srcOwner,
        `new${round}`,
        new Date(Date.UTC(2026, 5, 3 + 2 * round)),
      ),
  );
  const rows = (
    results: Map<string, Outcome>,
    list: Contender[],
    said: Map<string, string>,
    messages?: number,
  ): Row[] =>
    list.map((c) => ({
      name: c.name,
      outcome: results.get(c.name) ?? { failed: `not run: its full copy failed` },
      ...(messages ? { messages } : {}),
      ...(said.has(c.name) ? { note: said.get(c.name) } : {}),
    }));
  const skipped = all.filter((c) => !c.fullOnly && !delta.includes(c));
  const folders = folderCounts(total).filter((n) => n > 0).length;
  return [
    {
      baseline: 'mbsync',
      title: `Full import, one account, all folders, ${where.label}`,
      about: `${total} messages (${(bytes / 1e6).toFixed(1)} MB) in ${folders} folders, sizes mostly 2–20 KB with one of ${mix.bigBytes.map((b) => `${(b / 1e6).toFixed(1)} MB`).join(' or ')} every ${mix.bigEvery}th; each tool into an empty Maildir, ${ctx.rounds} rounds, the best kept.${where.about ? ` ${where.about}` : ''}`,
      rows: rows(full, all, fullNotes, total),
    },
    {
      baseline: 'mbsync',
      title: `Delta with nothing new, one account, ${where.label} (process start included)`,
      about: 'Each tool run again on its own copy from the full import; the source has not changed.',
      rows: rows(nothingNew, [...delta, ...skipped], nothingNewNotes),
    },
    {
      baseline: 'mbsync',
      title: `Delta with 1% new mail, one account, ${where.label}`,
      about: `Before each round ${newCount} new messages (1%) arrive on the source, spread over the folders; then each tool runs on its own copy.`,
      rows: rows(onePercent, [...delta, ...skipped], notes),
    },
  ];
}
