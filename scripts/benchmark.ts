// Measures qmail-import against its peers in one run, on one machine, on the same source, and
// writes BENCHMARKS.md (run through scripts/benchmark.sh). Asserts nothing; every command is
// bounded (BENCH_TIMEOUT_S) and every server listens on 127.0.0.1 only. Sizes:
//   BENCH_MESSAGES          messages of the one-account comparison, 8 folders (default 3000)
//   BENCH_BIG_EVERY         every Nth of them is an attachment of a few MB (default 400)
//   BENCH_ACCOUNTS          accounts of the batch delta (default 100)
//   BENCH_ACCOUNT_MESSAGES  messages per batch account (default 40)
//   BENCH_HUGE_MB           the one huge message (default 200)
//   BENCH_INBOX             messages of the large INBOX: import, no-op delta, verify (default 100000)
//   BENCH_INBOX_SMALL       the same at a smaller size, for memory growth (default 10000)
//   BENCH_DELAY_MS          the slow link's delay each way (default 15: a 30 ms round trip)
//   BENCH_ROUNDS            runs per tool, the best kept (default 2)
//   BENCH_ONLY              comma list of sections: start,import,link,batch,huge,inbox (default all)
//   BENCH_PROFILE=1         also profile the large INBOX's import (node --cpu-prof), top functions
//   BENCH_OUT               the file written (default BENCHMARKS.md in the checkout)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBatch } from './lib/bench-batch.js';
import type { BenchContext } from './lib/bench-context.js';
import { benchHuge } from './lib/bench-huge.js';
import { benchImport } from './lib/bench-import.js';
import { benchInbox, cpuSection, growthSection, seedInbox } from './lib/bench-inbox.js';
import { startLink } from './lib/bench-link.js';
import { versionOf } from './lib/bench-measure.js';
import { profileImport } from './lib/bench-profile.js';
import { keptReasons, renderBenchmarks, type Table } from './lib/bench-report.js';
import { benchStart } from './lib/bench-start.js';
import { collectTargets, LOOPBACK } from './lib/bench-targets.js';
import { startSourceServer } from './lib/source-server.js';
import { DEMO_MAILBOX_USER, ensureSystemUser, SOURCE_MAIL_USER } from './lib/system-users.js';

const DEFAULTS = {
  BENCH_MESSAGES: 3000,
  BENCH_BIG_EVERY: 400,
  BENCH_ACCOUNTS: 100,
  BENCH_ACCOUNT_MESSAGES: 40,
  BENCH_HUGE_MB: 200,
  BENCH_INBOX: 100_000,
  BENCH_INBOX_SMALL: 10_000,
  BENCH_DELAY_MS: 15,
  BENCH_ROUNDS: 2,
};
const setting = (name: keyof typeof DEFAULTS) => {
  const v = Number(process.env[name] ?? DEFAULTS[name]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a whole number above 0`);
  return v;
};
const size = {
  messages: setting('BENCH_MESSAGES'),
  bigEvery: setting('BENCH_BIG_EVERY'),
  accounts: setting('BENCH_ACCOUNTS'),
  accountMessages: setting('BENCH_ACCOUNT_MESSAGES'),
  hugeMiB: setting('BENCH_HUGE_MB'),
  inbox: setting('BENCH_INBOX'),
  inboxSmall: setting('BENCH_INBOX_SMALL'),
  delayMs: setting('BENCH_DELAY_MS'),
  rounds: setting('BENCH_ROUNDS'),
};
const only = new Set((process.env.BENCH_ONLY ?? 'start,import,link,batch,huge,inbox').split(','));
const profile = process.env.BENCH_PROFILE === '1';
const checkout = fileURLToPath(new URL('../..', import.meta.url));
const out = process.env.BENCH_OUT ?? path.join(checkout, 'BENCHMARKS.md');
const mix = { bigEvery: size.bigEvery, bigBytes: [1_500_000, 6_000_000] };
const say = (line: string) => process.stderr.write(`benchmark: ${line}\n`);

const server = await startSourceServer({ uidlFormat: '%v.%u' });
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-bench-scratch-'));
const ctx: BenchContext = {
  server,
  cli: fileURLToPath(new URL('../src/bin/qmail-import.js', import.meta.url)),
  password: 'bench-password',
  passwordFile: path.join(scratch, 'pw'),
  scratch,
  owner: ensureSystemUser(DEMO_MAILBOX_USER),
  srcOwner: ensureSystemUser(SOURCE_MAIL_USER),
  rounds: size.rounds,
  homes: [],
};
fs.writeFileSync(ctx.passwordFile, `${ctx.password}\n`, { mode: 0o600 });
const loadBefore = os.loadavg();
const tables: Table[] = [];
const sections: string[][] = [];
const rtt = `${2 * size.delayMs} ms RTT`;
try {
  if (only.has('start')) {
    say('process start');
    tables.push(await benchStart(ctx));
  }
  if (only.has('import')) {
    say(`one account, ${size.messages} messages, loopback: full import, delta, 1% delta`);
    tables.push(...(await benchImport(ctx, size.messages, mix, { user: 'bench', label: LOOPBACK })));
  }
  if (only.has('link')) {
    say(`one account, ${size.messages} messages, ${rtt}: full import, delta, 1% delta`);
    const link = await startLink(ctx, size.delayMs);
    try {
      tables.push(
        ...(await benchImport(ctx, size.messages, mix, {
          user: 'benchlink',
          label: rtt,
          link,
          about: `Every tool reaches the source's IMAP and POP3 through a proxy on 127.0.0.1 that holds each chunk ${size.delayMs} ms each way (scripts/lib/link-proxy.ts); each note counts the round trips of the row's last run: client turns (a send after something was received), summed over its connections. doveadm's imapc (about one round trip per message in a small run) and offlineimap3 (slow on loopback already) are left out to keep the run short.`,
          only: ['qmail-import', 'mbsync'],
        })),
      );
    } finally {
      link.close();
    }
  }
  if (only.has('batch')) {
    say(`batch of ${size.accounts} accounts`);
    tables.push(...(await benchBatch(ctx, size.accounts, size.accountMessages, { ...mix, bigEvery: Infinity })));
  }
  if (only.has('huge')) {
    say(`one ${size.hugeMiB} MiB message`);
    tables.push(await benchHuge(ctx, size.hugeMiB));
  }
  if (only.has('inbox')) {
    for (const count of [size.inboxSmall, size.inbox]) {
      say(`INBOX of ${count} messages: import, no-op delta, verify`);
      const inbox = seedInbox(ctx, count);
      tables.push(await benchInbox(ctx, inbox));
      if (profile && count === size.inbox) {
        say(`INBOX of ${count} messages: the import under node --cpu-prof`);
        sections.push(profileImport(ctx, inbox));
      }
    }
    sections.unshift(growthSection(tables, size.inboxSmall, size.inbox));
  }
  sections.unshift(cpuSection(tables));
} finally {
  await server.stop();
  for (const dir of [scratch, ...ctx.homes]) fs.rmSync(dir, { recursive: true, force: true });
}

const settings = (Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]).map((k) => `${k}=${setting(k)}`).join(' ');
fs.writeFileSync(
  out,
  renderBenchmarks({
    when: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    setup: [
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, shared with other work: load average ${loadBefore[0]?.toFixed(1)} at the start, ${os.loadavg()[0]?.toFixed(1)} at the end`,
      `source: Dovecot on 127.0.0.1 (Maildir on ext4 or whatever ${os.tmpdir()} is), clear text unless a row says TLS; every copy onto the same file system`,
      'each tool as a user runs it: mbsync and offlineimap3 as the mailbox owner, doveadm and qmail-import as root (qmail-import drops to the owner: an import in its own process, a batch in its workers)',
      `times are wall clock from spawn to exit (process start included), peak RSS from \`/usr/bin/time -v\``,
    ],
    versions: [
      [
        'qmail-import',
        `${versionOf([process.execPath, ctx.cli, '--version'])} (${versionOf(['git', '-C', checkout, 'describe', '--always', '--dirty'])})`,
      ],
      ['Node.js', process.version],
      ['mbsync (isync)', versionOf(['mbsync', '-v'])],
      ['offlineimap3', versionOf(['offlineimap', '--version'])],
      ['Dovecot (source, doveadm)', versionOf(['dovecot', '--version'])],
      ['kernel', versionOf(['uname', '-srm'])],
    ],
    tables,
    sections,
    targets: collectTargets(tables, size.inboxSmall, size.inbox),
    reasons: keptReasons(fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined),
    reproduce: `sudo env ${settings}${profile ? ' BENCH_PROFILE=1' : ''} ./scripts/benchmark.sh`,
    notes: [
      'A failed tool stays in its table with the reason (the last line of its error output).',
      'Ratios compare times: below 1 is faster than the baseline named.',
      "The machine is shared with other sessions' builds and tests (see the load average above): the seconds move with it, the ratios of tools run side by side in this one run are what count.",
      'Round trips (the 30 ms RTT notes) are client turns: a send after the client received something since its last send. A client that waits for every answer pays one round trip per turn; turns on parallel connections overlap.',
    ],
  }),
);
say(`wrote ${out}`);
