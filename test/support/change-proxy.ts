import net from 'node:net';
import { listen, type Proxy } from './quirk-proxy.js';

/**
 * A change made to the source at a chosen moment of a run: the first time what a client has sent
 * so far matches `when`, its latest command is held back, `change` runs (doveadm on the real
 * Dovecot), and only then does the command reach the server.
 */
export interface SourceChange {
  when: RegExp;
  change: () => Promise<unknown>;
}

export interface ChangeProxy extends Proxy {
  /** The `when` of each change that has run, in order. */
  fired: RegExp[];
  /** Changes that failed (the connection was closed then). */
  failed: Error[];
}

/** A byte-for-byte TCP relay on 127.0.0.1 in front of the real Dovecot (IMAP or POP3, no TLS). */
export async function startChangeProxy(targetPort: number, changes: readonly SourceChange[]): Promise<ChangeProxy> {
  const waiting = [...changes];
  const fired: RegExp[] = [];
  const failed: Error[] = [];
  const proxy = await listen((client) => {
    const server = net.connect(targetPort, '127.0.0.1');
    const close = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', close).pipe(client);
    let sent = '';
    // Commands go on in order: one held back for a change holds back those after it too.
    let relay = Promise.resolve();
    client.on('data', (d: Buffer) => {
      sent += d.toString('latin1');
      const due = waiting.filter((c) => c.when.test(sent));
      for (const c of due) waiting.splice(waiting.indexOf(c), 1);
      relay = relay.then(async () => {
        for (const c of due) {
          await c.change();
          fired.push(c.when);
        }
        server.write(d);
      });
      relay.catch((err: Error) => {
        if (!failed.includes(err)) failed.push(err);
        close();
      });
    });
  });
  return { ...proxy, fired, failed };
}
