import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './bench-context.js';
import type { Outcome } from './bench-measure.js';
import type { Counts } from './link-proxy.js';

/** The slow link (scripts/lib/link-proxy.ts) in front of the source's clear-text IMAP and POP3. */
export interface Link {
  /** The context with the source reached through the link (every tool's config follows it). */
  ctx: BenchContext;
  counts(): Promise<Counts>;
  close(): void;
}

/** Starts the link's proxy process, `delayMs` each way. */
export async function startLink(ctx: BenchContext, delayMs: number): Promise<Link> {
  const s = ctx.server;
  const child = fork(fileURLToPath(new URL('./link-proxy.js', import.meta.url)), [
    String(delayMs),
    String(s.imapPort),
    String(s.pop3Port),
  ]);
  const [imapPort, pop3Port] = await answer<{ ports: number[] }>(child).then((m) => m.ports);
  if (!imapPort || !pop3Port) throw new Error('the link proxy did not say its ports');
  return {
    ctx: { ...ctx, server: { ...s, imapPort, pop3Port } },
    counts: () => {
      child.send('count');
      return answer<Counts>(child);
    },
    close: () => child.kill(),
  };
}

/**
 * Runs `run` and notes the round trips it cost the link: client turns in all, per message, and
 * the connections opened (turns on parallel connections overlap, so they bound the waiting).
 */
export async function counted(link: Link, messages: number, run: () => Outcome): Promise<[Outcome, string]> {
  const before = await link.counts();
  const outcome = run();
  const after = await link.counts();
  const turns = after.turns - before.turns;
  const perMessage = messages > 0 ? `, ${(turns / messages).toFixed(2)} per message` : '';
  return [outcome, `${turns} round trips${perMessage}, ${after.connections - before.connections} connections`];
}

function answer<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the link proxy exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
  });
}
