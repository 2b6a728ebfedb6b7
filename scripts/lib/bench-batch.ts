import fs from 'node:fs';
import path from 'node:path';
import { freshHome, qmailImportBatch, type BenchContext } from './bench-context.js';
import { seedFolders, type SizeMix } from './bench-mailbox.js';
import { bestOfEach, type Outcome } from './bench-measure.js';
import { mbsync, runPeer, type PeerRun } from './bench-peers.js';
import type { Table } from './bench-report.js';

/** The rows the targets compare. */
export const BATCH_ROWS = {
  ours1: 'qmail-import batch --jobs 1',
  ours2: 'qmail-import batch --jobs 2',
  mbsync1: 'mbsync, looped',
  mbsync2: 'mbsync, looped 2 at a time',
} as const;

/**
 * The cutover night: many accounts copied once, then run again with nothing new. qmail-import's
 * batch over a users file against mbsync looped over the same accounts (one process each, as a
 * shell loop over users runs it), at the same parallelism.
 */
export async function benchBatch(
  ctx: BenchContext,
  accounts: number,
  perAccount: number,
  mix: SizeMix,
): Promise<Table[]> {
  const users = Array.from({ length: accounts }, (_, i) => `acct${String(i).padStart(4, '0')}`);
  for (const u of users) {
    ctx.server.addUser(u, ctx.password);
    seedFolders(ctx.server, u, perAccount, mix, ctx.srcOwner, u);
  }
  const oursHome = freshHome(ctx, 'batch-qi');
  const usersFile = path.join(ctx.scratch, 'users');
  fs.writeFileSync(usersFile, users.map((u) => `${u}:${path.join(oursHome, u, 'Maildir')}\n`).join(''), {
    mode: 0o600,
  });
  for (const u of users) {
    fs.mkdirSync(path.join(oursHome, u));
    fs.chownSync(path.join(oursHome, u), ctx.owner.uid, ctx.owner.gid);
  }
  const theirsHome = freshHome(ctx, 'batch-mbsync');
  const homes = users.map((u) => {
    const home = path.join(theirsHome, u);
    fs.mkdirSync(home);
    fs.chownSync(home, ctx.owner.uid, ctx.owner.gid);
    return { user: u, password: ctx.password, home };
  });
  // --create: the first copy makes each Maildir (its home exists, as vpopmail's vadduser leaves it).
  const ours = qmailImportBatch(ctx, usersFile, ['--mode', 'import', '--create']);
  const theirs = (parallel: number) => mbsync(ctx.server, homes, theirsHome, ctx.owner, parallel);
  const run = (c: PeerRun) => () => runPeer(c);
  const withJobs = (jobs: number) => ({ ...ours, argv: [...ours.argv, '--jobs', String(jobs)] });
  const contenders: [string, () => Outcome][] = [
    [BATCH_ROWS.ours1, run(withJobs(1))],
    [BATCH_ROWS.ours2, run(withJobs(2))],
    [BATCH_ROWS.mbsync1, run(theirs(1))],
    [BATCH_ROWS.mbsync2, run(theirs(2))],
  ];
  // The first copy happens once per copy: one round, each pair at the same parallelism.
  const firstRows: string[] = [BATCH_ROWS.ours2, BATCH_ROWS.mbsync2];
  const first = await bestOfEach(
    1,
    contenders.filter(([n]) => firstRows.includes(n)),
  );
  const delta = await bestOfEach(ctx.rounds, contenders);
  const rows = (results: Map<string, Outcome>, names: string[]) =>
    names.map((name) => ({ name, outcome: results.get(name) ?? { failed: 'not run' } }));
  const about = `${accounts} accounts of ${perAccount} messages in 8 folders`;
  return [
    {
      baseline: BATCH_ROWS.mbsync2,
      title: `First copy, batch of ${accounts} accounts`,
      about: `${about}, each tool into empty homes, two accounts at a time; one run each.`,
      rows: rows(first, firstRows),
    },
    {
      baseline: BATCH_ROWS.mbsync2,
      title: `Delta with nothing new, batch of ${accounts} accounts`,
      about: `${about}, each tool again on its own first copy with nothing new, one and two accounts at a time (qmail-import's --jobs 1 and 2 on the same copy, mbsync looped and under xargs -P 2 on its); ${ctx.rounds} rounds, the best kept.`,
      rows: rows(
        delta,
        contenders.map(([n]) => n),
      ),
    },
  ];
}
