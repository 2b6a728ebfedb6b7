import net from 'node:net';

/**
 * One fault the proxy injects into the server's answers: once the client has sent a line
 * matching `afterClient` (or at once), and the server has then sent text matching `afterServer`
 * (or at once) and `extraBytes` more, the proxy cuts the connection there, stalls it (forwards
 * nothing more and holds it open), or shortens the next IMAP literal to `keep` bytes.
 */
export interface Fault {
  afterClient?: RegExp;
  afterServer?: RegExp;
  extraBytes?: number;
  action: 'cut' | 'stall' | { shortenLiteralTo: number };
  /** Only this connection (0-based, in accept order); every connection when absent. */
  connection?: number;
}

export interface Proxy {
  port: number;
  /** Resolves when the fault has fired (for looking at the client while it waits on a stall). */
  fired: Promise<void>;
  close(): Promise<void>;
}

/** How much server text is kept to match `afterServer`: enough for any IMAP/POP3 answer head. */
const MATCH_WINDOW = 4096;

/**
 * A TCP proxy on 127.0.0.1 in front of the real Dovecot that breaks one answer at a chosen
 * point: a quirk Dovecot does not show, made from its own bytes. TLS passes through untouched
 * (a stall or cut there still hits the handshake); rewrites need the plain ports.
 */
export async function startProxy(targetPort: number, fault: Fault): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  const server = net.createServer((client) => {
    const index = accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    const armed = fault.connection === undefined || fault.connection === index;
    let clientSeen = !fault.afterClient;
    let clientText = '';
    client.on('data', (d: Buffer) => {
      if (!clientSeen && fault.afterClient) {
        clientText = (clientText + d.toString('latin1')).slice(-MATCH_WINDOW);
        clientSeen = fault.afterClient.test(clientText);
      }
      upstream.write(d);
    });
    const shaper = armed ? new FaultShaper(fault, () => clientSeen, fire) : undefined;
    upstream.on('data', (d: Buffer) => {
      if (!shaper) return void client.write(d);
      const { forward, then } = shaper.take(d);
      if (forward.length > 0) client.write(forward);
      if (then === 'cut') {
        client.destroy();
        upstream.destroy();
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!shaper?.stalled) client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    fired,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The server→client half of one connection: decides, byte by byte, what still goes through. */
class FaultShaper {
  stalled = false;
  private done = false;
  private serverText = '';
  /** Bytes still to pass before the fault, once `afterServer` has matched. */
  private countdown?: number;
  /** Literal bytes still to drop (shortenLiteralTo). */
  private dropping = 0;

  constructor(
    private readonly fault: Fault,
    private readonly clientSeen: () => boolean,
    private readonly fire: () => void,
  ) {}

  take(d: Buffer): { forward: Buffer; then?: 'cut' } {
    if (this.stalled) return { forward: Buffer.alloc(0) };
    if (this.dropping > 0 && d.length > 0) {
      const drop = Math.min(this.dropping, d.length);
      this.dropping -= drop;
      return this.take(d.subarray(drop));
    }
    if (this.done || !this.clientSeen() || d.length === 0) return { forward: d };
    if (this.countdown === undefined) {
      const before = this.serverText.length;
      const joined = this.serverText + d.toString('latin1');
      this.serverText = joined.slice(-MATCH_WINDOW);
      const m = this.fault.afterServer?.exec(joined);
      if (this.fault.afterServer && !m) return { forward: d };
      // Where in `d` the match ended.
      const end = m ? m.index + m[0].length - before : 0;
      const at = Math.max(0, Math.min(d.length, end));
      this.countdown = this.fault.extraBytes ?? 0;
      const head = d.subarray(0, at);
      const rest = this.take(d.subarray(at));
      return { forward: Buffer.concat([head, rest.forward]), then: rest.then };
    }
    if (d.length <= this.countdown && this.countdown > 0) {
      this.countdown -= d.length;
      return { forward: d };
    }
    const head = d.subarray(0, this.countdown);
    const tail = d.subarray(this.countdown);
    this.done = true;
    this.fire();
    const action = this.fault.action;
    if (action === 'cut') return { forward: head, then: 'cut' };
    if (action === 'stall') {
      this.stalled = true;
      return { forward: head };
    }
    return { forward: Buffer.concat([head, this.shorten(tail, action.shortenLiteralTo)]) };
  }

  /** Rewrites the literal that starts `tail` ("{N}\r\n" + N bytes) to its first `keep` bytes. */
  private shorten(tail: Buffer, keep: number): Buffer {
    const m = /^\{(\d+)\}\r\n/.exec(tail.subarray(0, 32).toString('latin1'));
    if (!m) throw new Error(`proxy: expected a literal, got ${JSON.stringify(tail.subarray(0, 32).toString())}`);
    const size = Number(m[1]);
    const body = tail.subarray(m[0].length);
    const kept = body.subarray(0, keep);
    const dropNow = Math.min(size - keep, body.length - kept.length);
    this.dropping = size - keep - dropNow;
    const after = body.subarray(keep + dropNow);
    return Buffer.concat([Buffer.from(`{${keep}}\r\n`), kept, after]);
  }
}
