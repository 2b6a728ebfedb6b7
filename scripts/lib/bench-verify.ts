import path from 'node:path';
import { freshHome, qmailImport, type BenchContext } from './bench-context.js';
import { indexAll } from './bench-mailbox.js';
import { bestOfEach, measure, timeAsync, type Outcome } from './bench-measure.js';
import { runPeer } from './bench-peers.js';
import type { Table } from './bench-report.js';
import { writeMaildirFiles } from './bulk-maildir.js';
import { pop3UidlAndList } from './pop3-listing.js';
import { sampleMessages } from './sample-mail.js';

const USER = 'many';

/** Names of the rows the verify target compares. */
export const VERIFY_ROWS = {
  verify: 'qmail-import verify',
  pop3: "source's POP3 UIDL + LIST",
  scan: 'local Maildir scan (find new cur, name size mtime)',
} as const;

/**
 * verify of a large INBOX against what it cannot do without: the source's own POP3 UIDL and
 * LIST, and one scan of the Maildir (what qmail-pop3d does to list it). The Maildir comes from
 * qmail-import's own import (timed too).
 */
export async function benchVerify(ctx: BenchContext, count: number): Promise<Table> {
  ctx.server.addUser(USER, ctx.password);
  writeMaildirFiles(
    ctx.server.maildirOf(USER),
    sampleMessages({ count, seed: 5, sizes: [600, 900, 1200] }),
    ctx.srcOwner,
  );
  indexAll(ctx.server, USER);
  const maildir = path.join(freshHome(ctx, 'verify'), 'Maildir');
  const setup = runPeer(qmailImport(ctx, 'import', USER, maildir, ['--folders', 'inbox']));
  const contenders: [string, () => Outcome | Promise<Outcome>][] = [
    [VERIFY_ROWS.verify, () => runPeer(qmailImport(ctx, 'verify', USER, maildir, ['--folders', 'inbox']))],
    [
      VERIFY_ROWS.pop3,
      () => timeAsync(() => pop3UidlAndList(ctx.server.host, ctx.server.pop3Port, USER, ctx.password)),
    ],
    [
      VERIFY_ROWS.scan,
      () => measure(['find', 'new', 'cur', '-type', 'f', '-printf', '%f %s %T@\\n'], { cwd: maildir, as: ctx.owner }),
    ],
  ];
  const pop3d = process.env.QMAIL_POP3D;
  if (pop3d)
    contenders.push([
      `qmail-pop3d UIDL (${pop3d})`,
      () =>
        measure(['sh', '-c', `printf 'UIDL\\r\\n' | '${pop3d}' '${maildir}'`], {
          cwd: path.dirname(maildir),
          as: ctx.owner,
        }),
    ]);
  const results = 'failed' in setup ? new Map<string, Outcome>() : await bestOfEach(ctx.rounds, contenders);
  return {
    baseline: VERIFY_ROWS.verify,
    title: `verify of ${count} messages`,
    about: `One INBOX of ${count} small messages, imported first by qmail-import (${'failed' in setup ? `failed: ${setup.failed}` : `${setup.seconds.toFixed(1)} s, ${(count / setup.seconds).toFixed(0)} messages/s, peak RSS ${setup.rssMiB.toFixed(0)} MiB`}). ${pop3d ? `qmail-pop3d: ${pop3d}.` : 'No $QMAIL_POP3D here: verify used its modelled qmail-pop3d listing.'} The POP3 row runs in this process on a plain socket (no process start). ${ctx.rounds} rounds, the best kept.`,
    rows: contenders.map(([name]) => ({
      name,
      outcome: results.get(name) ?? { failed: 'failed' in setup ? 'the import that sets it up failed' : 'not run' },
      messages: count,
    })),
  };
}
