import path from 'node:path';
import { freshHome, qmailImport, type BenchContext } from './bench-context.js';
import { indexAll } from './bench-mailbox.js';
import { bestOfEach, measure, timeAsync, type Outcome } from './bench-measure.js';
import { mbsync, runPeer, type PeerRun } from './bench-peers.js';
import { seconds, type Row, type Table } from './bench-report.js';
import { writeMaildirFiles } from './bulk-maildir.js';
import { pop3UidlAndList } from './pop3-listing.js';
import { sampleMessages } from './sample-mail.js';

/** Names of the rows the targets and the memory growth compare. */
export const INBOX_ROWS = {
  import: 'qmail-import import',
  mbsyncImport: 'mbsync import',
  delta: 'qmail-import no-op delta',
  mbsyncDelta: 'mbsync no-op delta',
  verify: 'qmail-import verify',
  pop3: "floor: source's POP3 UIDL + LIST",
  scan: 'floor: Maildir scan (find new cur, name size mtime)',
} as const;

export const inboxTitle = (count: number) => `INBOX of ${count} messages`;

/** One INBOX size on the source: its user and how many messages (the CPU profile reuses it). */
export interface Inbox {
  user: string;
  count: number;
}

/** An INBOX of `count` small messages on the source, indexed. */
export function seedInbox(ctx: BenchContext, count: number): Inbox {
  const user = `inbox${count}`;
  ctx.server.addUser(user, ctx.password);
  writeMaildirFiles(
    ctx.server.maildirOf(user),
    sampleMessages({ count, seed: 5, sizes: [600, 900, 1200] }),
    ctx.srcOwner,
  );
  indexAll(ctx.server, user);
  return { user, count };
}

/**
 * One large INBOX: the import (qmail-import against mbsync, one run each: a first copy happens
 * once), the delta with nothing new, and verify against what it cannot do without: the
 * source's own POP3 UIDL and LIST plus one scan of the Maildir (what qmail-pop3d does to list it).
 */
export async function benchInbox(ctx: BenchContext, inbox: Inbox): Promise<Table> {
  const { user, count } = inbox;
  const maildir = path.join(freshHome(ctx, 'inbox'), 'Maildir');
  const home = freshHome(ctx, 'inbox-mbsync');
  const ours = (command: 'import' | 'verify') =>
    runPeer(qmailImport(ctx, command, user, maildir, ['--folders', 'inbox']));
  const theirs: PeerRun = mbsync(ctx.server, [{ user, password: ctx.password, home }], home, ctx.owner);
  const imports = await bestOfEach(1, [
    [INBOX_ROWS.import, () => ours('import')],
    [INBOX_ROWS.mbsyncImport, () => runPeer(theirs)],
  ]);
  const failed = (name: string): Outcome => ({ failed: `not run: ${name} failed` });
  const copied = !('failed' in (imports.get(INBOX_ROWS.import) as Outcome));
  const theirsCopied = !('failed' in (imports.get(INBOX_ROWS.mbsyncImport) as Outcome));
  const again: [string, () => Outcome | Promise<Outcome>][] = [
    [INBOX_ROWS.delta, () => (copied ? ours('import') : failed('the import'))],
    [INBOX_ROWS.mbsyncDelta, () => (theirsCopied ? runPeer(theirs) : failed("mbsync's import"))],
    [INBOX_ROWS.verify, () => (copied ? ours('verify') : failed('the import'))],
    [INBOX_ROWS.pop3, () => timeAsync(() => pop3UidlAndList(ctx.server.host, ctx.server.pop3Port, user, ctx.password))],
    [
      INBOX_ROWS.scan,
      () =>
        copied
          ? measure(['find', 'new', 'cur', '-type', 'f', '-printf', '%f %s %T@\\n'], { cwd: maildir, as: ctx.owner })
          : failed('the import'),
    ],
  ];
  const pop3d = process.env.QMAIL_POP3D;
  if (pop3d)
    again.push([
      `qmail-pop3d UIDL (${pop3d})`,
      () =>
        measure(['sh', '-c', `printf 'UIDL\\r\\n' | '${pop3d}' '${maildir}'`], {
          cwd: path.dirname(maildir),
          as: ctx.owner,
        }),
    ]);
  const results = new Map([...imports, ...(await bestOfEach(ctx.rounds, again))]);
  const time = (name: string) => seconds(results.get(name));
  const ratio = (a: string, b: number | undefined, what: string) => {
    const t = time(a);
    return t !== undefined && b !== undefined ? `${(t / b).toFixed(2)}× ${what}` : undefined;
  };
  const floor = (time(INBOX_ROWS.pop3) ?? NaN) + (time(INBOX_ROWS.scan) ?? NaN);
  const notes: Record<string, string | undefined> = {
    [INBOX_ROWS.import]: ratio(INBOX_ROWS.import, time(INBOX_ROWS.mbsyncImport), "mbsync's time"),
    [INBOX_ROWS.delta]: ratio(INBOX_ROWS.delta, time(INBOX_ROWS.mbsyncDelta), "mbsync's time"),
    [INBOX_ROWS.verify]: ratio(
      INBOX_ROWS.verify,
      Number.isNaN(floor) ? undefined : floor,
      'the floor (the two floor rows added)',
    ),
  };
  const rows: Row[] = [...imports.keys(), ...again.map(([n]) => n)].map((name) => ({
    name,
    outcome: results.get(name) ?? { failed: 'not run' },
    ...(name.includes('delta') ? {} : { messages: count }),
    ...(notes[name] ? { note: notes[name] } : {}),
  }));
  return {
    title: inboxTitle(count),
    about: `One INBOX of ${count} small messages (600–1,200 bytes), nothing in other folders. Each tool's import into an empty Maildir (one run: a first copy happens once), then ${ctx.rounds} rounds of the rest, the best time and the largest RSS kept. ${pop3d ? `qmail-pop3d: ${pop3d}.` : 'No $QMAIL_POP3D here: verify used its modelled qmail-pop3d listing.'} The POP3 floor runs in this process on a plain socket (no process start).`,
    rows,
  };
}

/** Peak RSS growth from the smaller INBOX to the larger, in bytes per added message. */
export function growthPerMessage(
  tables: readonly Table[],
  small: number,
  big: number,
  row: string,
): number | undefined {
  const rss = (count: number) => {
    const o = tables.find((t) => t.title === inboxTitle(count))?.rows.find((r) => r.name === row)?.outcome;
    return o && !('failed' in o) ? o.rssMiB : undefined;
  };
  const [a, b] = [rss(small), rss(big)];
  return a !== undefined && b !== undefined && big > small ? ((b - a) * 2 ** 20) / (big - small) : undefined;
}

/** BENCHMARKS.md's section on how memory grows with the INBOX. */
export function growthSection(tables: readonly Table[], small: number, big: number): string[] {
  const rows = [
    INBOX_ROWS.import,
    INBOX_ROWS.mbsyncImport,
    INBOX_ROWS.delta,
    INBOX_ROWS.mbsyncDelta,
    INBOX_ROWS.verify,
  ];
  return [
    `## Memory growth, INBOX of ${small} → ${big} messages`,
    '',
    `Peak RSS of the larger minus the smaller, over the ${big - small} messages added (the goal: flat, or a few bytes per message).`,
    '',
    '| run | bytes per message |',
    '|---|---:|',
    ...rows.map((r) => {
      const g = growthPerMessage(tables, small, big, r);
      return `| ${r} | ${g === undefined ? 'not measured' : g.toFixed(0)} |`;
    }),
  ];
}

/** CPU per message of each import (and verify) of the one-account and INBOX tables, ours beside mbsync's. */
export function cpuSection(tables: readonly Table[]): string[] {
  const lines = tables.flatMap((t) =>
    t.rows
      .filter((r) => r.messages && /^(qmail-import|mbsync)/.test(r.name) && !('failed' in r.outcome))
      .map((r) => {
        const cpu = (r.outcome as { cpuSeconds: number }).cpuSeconds;
        return `| ${t.title} | ${r.name} | ${cpu.toFixed(2)} s | ${((cpu * 1e6) / (r.messages as number)).toFixed(0)} µs |`;
      }),
  );
  return [
    '## CPU per message',
    '',
    "User plus system time of each copy, and of verify (GNU time, the tool's processes it waited for included), over the messages copied or verified.",
    '',
    '| table | tool | CPU | per message |',
    '|---|---|---:|---:|',
    ...lines,
  ];
}
