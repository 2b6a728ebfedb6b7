import net from 'node:net';

/** What the scripted server does for one command (or the greeting): write to the socket as it likes. */
export type Answer = (socket: net.Socket, arg: string) => void;

export interface ScriptedPop3 {
  port: number;
  close(): Promise<void>;
}

/** A message of the scripted mailbox, CRLF line ends. */
export type ScriptedMessage = Buffer;

/** Writes `line` again and again until the client goes away, never blocking on a full buffer for long. */
export function endless(socket: net.Socket, line: (i: number) => string, head = ''): void {
  let i = 0;
  if (head) socket.write(head);
  const pump = () => {
    while (!socket.destroyed) {
      const batch = Array.from({ length: 1000 }, () => line(++i)).join('');
      if (!socket.write(batch)) return void socket.once('drain', pump);
    }
  };
  pump();
}

/**
 * A POP3 server on 127.0.0.1 for malformed-reply tests only (docs/faults.md): an honest mailbox
 * of `messages` (UIDL "uid-N", LIST in CRLF bytes, TOP and RETR dot-stuffed), any of whose
 * answers `override` replaces with a broken one. Any login is accepted.
 */
export async function startScriptedPop3(
  messages: readonly ScriptedMessage[],
  override: Partial<Record<string, Answer>> = {},
): Promise<ScriptedPop3> {
  const sockets = new Set<net.Socket>();
  const body = (n: number) => {
    const m = messages[n - 1];
    if (!m) return '-ERR no such message\r\n';
    const text = m.toString('latin1').replace(/\r\n$/, '');
    return `+OK\r\n${text.replace(/^\./gm, '..')}\r\n.\r\n`;
  };
  const honest: Record<string, Answer> = {
    greeting: (s) => s.write('+OK scripted ready\r\n'),
    CAPA: (s) => s.write('+OK\r\nUSER\r\nTOP\r\nUIDL\r\n.\r\n'),
    USER: (s) => s.write('+OK\r\n'),
    PASS: (s) => s.write('+OK logged in\r\n'),
    UIDL: (s) => s.write(`+OK\r\n${messages.map((_, i) => `${i + 1} uid-${i + 1}\r\n`).join('')}.\r\n`),
    LIST: (s) => s.write(`+OK\r\n${messages.map((m, i) => `${i + 1} ${m.length}\r\n`).join('')}.\r\n`),
    TOP: (s, arg) => s.write(body(Number(arg.split(' ')[0]))),
    RETR: (s, arg) => s.write(body(Number(arg))),
    RSET: (s) => s.write('+OK\r\n'),
    QUIT: (s) => s.end('+OK bye\r\n'),
  };
  const answer = (name: string): Answer =>
    override[name] ?? honest[name] ?? ((s: net.Socket) => s.write('-ERR unknown command\r\n'));
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let pending = '';
    socket.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      for (let lf = pending.indexOf('\n'); lf >= 0; lf = pending.indexOf('\n')) {
        const line = pending.slice(0, lf).replace(/\r$/, '');
        pending = pending.slice(lf + 1);
        const [name = '', ...rest] = line.split(' ');
        if (!socket.destroyed) answer(name.toUpperCase())(socket, rest.join(' '));
      }
    });
    answer('greeting')(socket, '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
