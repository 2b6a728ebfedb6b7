import net from 'node:net';

/**
 * The source's own POP3 cost of a listing: log in, UIDL, LIST, QUIT on a plain socket, each
 * command after the last answer, with no parsing beyond finding the ends. The floor a verify's
 * source side compares with. Resolves with the number of UIDL lines; bounded by `timeoutMs`.
 */
export function pop3UidlAndList(
  host: string,
  port: number,
  user: string,
  password: string,
  timeoutMs = 300_000,
): Promise<number> {
  const steps: { send?: string; multiline: boolean }[] = [
    { multiline: false },
    { send: `USER ${user}`, multiline: false },
    { send: `PASS ${password}`, multiline: false },
    { send: 'UIDL', multiline: true },
    { send: 'LIST', multiline: true },
    { send: 'QUIT', multiline: false },
  ];
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`POP3 ${host}:${port}: no answer in ${timeoutMs} ms`)));
    let step = 0;
    let pending = '';
    let uidlLines = 0;
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const current = steps[step];
        if (!current) return;
        const end = current.multiline ? pending.indexOf('\r\n.\r\n') : pending.indexOf('\r\n');
        if (end < 0) return;
        const reply = pending.slice(0, end);
        pending = pending.slice(end + (current.multiline ? 5 : 2));
        if (!reply.startsWith('+OK')) return socket.destroy(new Error(`POP3 step ${step}: ${reply.slice(0, 200)}`));
        if (current.send === 'UIDL') uidlLines = reply.split('\r\n').length - 1;
        step += 1;
        const next = steps[step];
        if (!next) {
          socket.end();
          return resolve(uidlLines);
        }
        socket.write(`${next.send}\r\n`);
      }
    });
  });
}
