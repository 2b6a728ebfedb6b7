import path from 'node:path';
import { freshHome, qmailImport, type BenchContext, type Transport } from './bench-context.js';
import { seedHugeMessage } from './bench-mailbox.js';
import { bestOfEach, type Outcome } from './bench-measure.js';
import { mbsync, runPeer } from './bench-peers.js';
import type { Table } from './bench-report.js';

const USER = 'huge';

/**
 * One message of `mib` MiB through every way qmail-import reads a message (IMAP streamed, POP3
 * over TLS, verify's byte comparison), each into a fresh Maildir: the figure is peak RSS.
 */
export async function benchHuge(ctx: BenchContext, mib: number): Promise<Table> {
  ctx.server.addUser(USER, ctx.password);
  seedHugeMessage(ctx.server, USER, mib * 1024 * 1024, ctx.srcOwner);
  // verify reads the default import's copy (the first row, which runs first in every round).
  let defaultMaildir = '';
  const importInto = (extra: string[], transport: Transport) => () => {
    const maildir = path.join(freshHome(ctx, 'huge'), 'Maildir');
    if (extra.length === 0 && transport === 'clear') defaultMaildir = maildir;
    return runPeer(qmailImport(ctx, 'import', USER, maildir, extra, transport));
  };
  const modes: [string, () => Outcome][] = [
    ['qmail-import import (default: --uidl auto, clear text)', importInto([], 'clear')],
    ['qmail-import import over TLS', importInto([], 'tls')],
    ['qmail-import import --uidl pop3 (clear text)', importInto(['--uidl', 'pop3'], 'clear')],
    ['qmail-import import --uidl pop3 over TLS', importInto(['--uidl', 'pop3'], 'tls')],
    [
      'qmail-import verify --content all over TLS',
      () => runPeer(qmailImport(ctx, 'verify', USER, defaultMaildir, ['--content', 'all'], 'tls')),
    ],
    [
      'mbsync (reference)',
      () => {
        const home = freshHome(ctx, 'huge-mbsync');
        return runPeer(mbsync(ctx.server, [{ user: USER, password: ctx.password, home }], home, ctx.owner));
      },
    ],
  ];
  const results = await bestOfEach(ctx.rounds, modes);
  return {
    baseline: 'qmail-import import (default: --uidl auto, clear text)',
    title: `One ${mib} MiB message, every mode`,
    about: `A single ${mib} MiB message in the INBOX; each import into a fresh Maildir, verify on the default import's. Peak RSS is the largest process of the run (for qmail-import as root: its worker). ${ctx.rounds} rounds, the best time and the largest RSS kept.`,
    rows: modes.map(([name]) => ({
      name,
      outcome: results.get(name) ?? { failed: 'not run' },
    })),
  };
}
