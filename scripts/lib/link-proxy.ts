import net from 'node:net';

// A slow link between a tool and the source, for the benchmark: a TCP proxy on 127.0.0.1 that
// holds every chunk `delayMs` in each direction before passing it on (15 ms each way: a 30 ms
// round trip), and counts the round trips a client waits for. Its own process (forked by
// scripts/lib/bench-link.ts): the benchmark times its tools with spawnSync, which would stall a
// proxy in the same event loop.
//   node link-proxy.js <delayMs> <targetPort>...   (IPC: answers 'count' with its Counts)

/** What the clients cost the link so far, over every connection. */
export interface Counts {
  connections: number;
  /**
   * Client turns: a client sending after it has received something since its last send. A client
   * that waits for each answer pays one round trip per turn; pipelined sends share one.
   */
  turns: number;
  bytesUp: number;
  bytesDown: number;
}

/** Bytes held in one direction (delayed or unread) before the sender is paused: bounded memory. */
const MAX_QUEUED = 4 * 1024 * 1024;

/** One direction of a connection: chunks leave `delayMs` after they arrived, in order. */
class DelayedPipe {
  /** A chunk to pass on, or (none) the sender's half-close, which keeps its place in line. */
  private readonly queue: { due: number; chunk?: Buffer }[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly delayMs: number,
  ) {
    from.on('data', (chunk: Buffer) => this.take(chunk));
    from.on('end', () => this.take());
    to.on('drain', () => this.resumeIfRoom());
  }

  /** Bytes held: the delayed ones and those the receiver has not taken yet. */
  private held(): number {
    return this.queued + this.to.writableLength;
  }

  private resumeIfRoom(): void {
    if (this.held() <= MAX_QUEUED / 2) this.from.resume();
  }

  private take(chunk?: Buffer): void {
    this.queue.push({ due: performance.now() + this.delayMs, ...(chunk ? { chunk } : {}) });
    this.queued += chunk?.length ?? 0;
    if (this.held() > MAX_QUEUED) this.from.pause();
    this.arm();
  }

  private arm(): void {
    const head = this.queue[0];
    if (this.timer || !head) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.due - performance.now()));
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.queue.length > 0 && (this.queue[0] as { due: number }).due <= now) {
      const { chunk } = this.queue.shift() as { chunk?: Buffer };
      this.queued -= chunk?.length ?? 0;
      if (this.to.destroyed) continue;
      if (chunk) this.to.write(chunk);
      else this.to.end();
    }
    this.resumeIfRoom();
    this.arm();
  }
}

/** Listens on 127.0.0.1 (a free port) in front of `targetPort`; counts into `counts`. */
export async function listenDelayed(targetPort: number, delayMs: number, counts: Counts): Promise<number> {
  const server = net.createServer((client) => {
    counts.connections += 1;
    const upstream = net.connect(targetPort, '127.0.0.1');
    let heard = true; // the server speaks first (greeting); the first command is a turn
    client.on('data', (d: Buffer) => {
      counts.bytesUp += d.length;
      if (heard) counts.turns += 1;
      heard = false;
    });
    upstream.on('data', (d: Buffer) => {
      counts.bytesDown += d.length;
      heard = true;
    });
    new DelayedPipe(client, upstream, delayMs);
    new DelayedPipe(upstream, client, delayMs);
    for (const [s, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      s.on('error', () => other.destroy());
      s.on('close', () => setTimeout(() => other.destroy(), 2 * delayMs + 50).unref());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

if (process.send) {
  const [delay, ...targets] = process.argv.slice(2).map(Number);
  const counts: Counts = { connections: 0, turns: 0, bytesUp: 0, bytesDown: 0 };
  const ports = await Promise.all(targets.map((t) => listenDelayed(t, delay ?? 15, counts)));
  process.on('message', () => process.send?.({ ...counts }));
  // Bounded: the proxy lives as long as the benchmark that forked it.
  process.on('disconnect', () => process.exit(0));
  process.send({ ports });
}
