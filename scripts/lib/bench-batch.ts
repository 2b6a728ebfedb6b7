import fs from 'node:fs';
import path from 'node:path';
import { freshHome, qmailImportBatch, type BenchContext } from './bench-context.js';
import { seedFolders, type SizeMix } from './bench-mailbox.js';
import { bestOfEach, measure } from './bench-measure.js';
import { mbsync } from './bench-peers.js';
import type { Table } from './bench-report.js';

/**
 * The cutover night: many accounts, each already copied once, run again with nothing new.
 * qmail-import's batch over a users file against mbsync looped over the same accounts (one
 * process each, as a shell loop over users runs it).
 */
export async function benchBatch(
  ctx: BenchContext,
  accounts: number,
  perAccount: number,
  mix: SizeMix,
): Promise<Table> {
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
  const theirs = mbsync(ctx.server, homes, theirsHome, ctx.owner);
  const contenders: [string, () => ReturnType<typeof measure>][] = [
    ['qmail-import batch --jobs 1', () => measure(ours.argv, ours.options)],
    ['qmail-import batch --jobs 2', () => measure([...ours.argv, '--jobs', '2'], ours.options)],
    ['mbsync, looped', () => measure(theirs.argv, theirs.options)],
  ];
  const first = await bestOfEach(1, [contenders[0], contenders[2]] as typeof contenders);
  const delta = await bestOfEach(ctx.rounds, contenders);
  return {
    baseline: 'mbsync, looped',
    title: `Delta with nothing new, batch of ${accounts} accounts`,
    about: `${accounts} accounts of ${perAccount} messages in 8 folders, each copied once before (first copy: qmail-import batch ${describe(first.get('qmail-import batch --jobs 1'))}, mbsync looped ${describe(first.get('mbsync, looped'))}); then ${ctx.rounds} rounds with nothing new, the best kept.`,
    rows: contenders.map(([n]) => ({
      name: n,
      outcome: delta.get(n) ?? { failed: 'not run' },
    })),
  };
}

function describe(o: ReturnType<typeof measure> | undefined): string {
  if (!o) return 'not run';
  return 'failed' in o ? `failed: ${o.failed}` : `${o.seconds.toFixed(1)} s`;
}
