import net from 'node:net';

/**
 * A small proxy on 127.0.0.1 in front of the real Dovecot that shows one quirk of another real
 * server by rewriting or reordering one kind of answer; everything else passes as Dovecot sent it.
 * POP3 is relayed one command at a time (PIPELINING is taken out of CAPA so answers stay in step).
 */
export interface Pop3Quirks {
  /** POP3 message numbers as the proxy lists them: client number k is Dovecot's order[k-1]. */
  order?: number[];
  /** Rewrites the lines of one multi-line answer (dot-unstuffing is not needed for the tests' mail). */
  rewrite?: (command: string, lines: string[]) => string[];
  /** After a successful PASS, every command but QUIT gets this -ERR text. */
  errAfterLogin?: string;
  /** Called once PASS is accepted: the session now holds the mailbox. */
  loggedIn?: () => void;
  /** QUIT is passed on only once this settles: the session holds the mailbox until then. */
  holdQuit?: Promise<void>;
  /** PASS, APOP and AUTH are refused with an -ERR that quotes the command, as a server that echoes
   *  what it did not understand (nothing of the login reaches Dovecot). */
  echoLogin?: boolean;
}

export interface Proxy {
  port: number;
  close(): Promise<void>;
}

const MULTILINE = /^(CAPA|UIDL|LIST|TOP|RETR)$/i;

export async function startPop3Proxy(upstreamPort: number, quirks: Pop3Quirks): Promise<Proxy> {
  return listen((client) => {
    const server = net.connect(upstreamPort, '127.0.0.1');
    const fromServer = lineQueue(server);
    const fromClient = lineQueue(client);
    const close = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', close);
    server.on('error', close);
    void (async () => {
      client.write(`${await fromServer.next()}\r\n`);
      let loggedIn = false;
      for (;;) {
        const line = await fromClient.next();
        if (line === undefined) return close();
        const [verb = '', ...args] = line.split(' ');
        if (loggedIn && quirks.errAfterLogin && verb.toUpperCase() !== 'QUIT') {
          client.write(`-ERR ${quirks.errAfterLogin}\r\n`);
          continue;
        }
        if (quirks.echoLogin && /^(PASS|APOP|AUTH)$/i.test(verb)) {
          client.write(`-ERR [AUTH] bad command: ${line}\r\n`);
          continue;
        }
        if (verb.toUpperCase() === 'QUIT') await quirks.holdQuit;
        const toServer = (n: string) => String(quirks.order?.[Number(n) - 1] ?? n);
        server.write(
          `${[verb, ...(args.length && /^\d+$/.test(args[0]!) ? [toServer(args[0]!), ...args.slice(1)] : args)].join(' ')}\r\n`,
        );
        const status = (await fromServer.next()) ?? '';
        if (verb.toUpperCase() === 'PASS' && status.startsWith('+OK')) {
          loggedIn = true;
          quirks.loggedIn?.();
        }
        const multi = status.startsWith('+OK') && MULTILINE.test(verb) && !(/^(UIDL|LIST)$/i.test(verb) && args.length);
        let lines: string[] = [];
        if (multi)
          for (let l = await fromServer.next(); l !== '.' && l !== undefined; l = await fromServer.next())
            lines.push(l);
        if (/^CAPA$/i.test(verb)) lines = lines.filter((l) => !/^PIPELINING/i.test(l));
        if (/^(UIDL|LIST)$/i.test(verb) && quirks.order) lines = renumber(lines, quirks.order);
        if (quirks.rewrite && multi) lines = quirks.rewrite(line, lines);
        client.write([status, ...(multi ? [...lines, '.'] : [])].map((l) => `${l}\r\n`).join(''));
        if (verb.toUpperCase() === 'QUIT') return close();
      }
    })().catch(close);
  });
}

/** What the IMAP proxy does to the client's lines; without any, the client's bytes pass as sent. */
export interface ImapCommandQuirks {
  /** A line holding EXAMINE is passed on only once this settles (the client's later lines wait behind it). */
  holdExamine?: Promise<void>;
  /** Rewrites each line the client sends (commands that name folders). */
  rewriteCommand?: (line: string) => string;
}

/**
 * Relays IMAP as a byte stream, with `rewrite` applied to what the server sends (small answers:
 * LIST) and `quirks` to what the client sends.
 */
export async function startImapProxy(
  upstreamPort: number,
  rewrite: (text: string) => string,
  quirks: ImapCommandQuirks = {},
): Promise<Proxy> {
  const { holdExamine, rewriteCommand = (line: string) => line } = quirks;
  const onLine = async (line: string, forward: (line: string) => void) => {
    if (/ EXAMINE /i.test(line)) await holdExamine;
    forward(rewriteCommand(line));
  };
  return listen((client) =>
    relayImap(client, upstreamPort, rewrite, quirks.holdExamine || quirks.rewriteCommand ? onLine : undefined),
  );
}

/** How the IMAP client is made to log in: the LOGIN command, or one SASL mechanism. */
export type ImapLoginWay = 'LOGIN' | 'AUTH=PLAIN' | 'AUTH=LOGIN';

/**
 * Relays IMAP, offering only `way` to log in, and refuses the login with a NO that quotes every
 * line the client sent for it (the SASL LOGIN exchange's two base64 answers too), as a server
 * that echoes what it refused. Nothing of the login reaches Dovecot.
 */
export async function startImapLoginEcho(upstreamPort: number, way: ImapLoginWay): Promise<Proxy> {
  const offerOnly = (text: string) => text.replace(/ AUTH=[^\s\]]+/g, (m) => (m === ` ${way}` ? m : ''));
  return listen((client) =>
    relayImap(client, upstreamPort, offerOnly, async (line, forward, fromClient) => {
      const login = /^(\S+) (LOGIN|AUTHENTICATE)( (\S+))?( |$)/i.exec(line);
      if (!login) return forward(line);
      const mechanism = /^AUTHENTICATE$/i.test(login[2]!) ? (login[4] ?? '').toUpperCase() : undefined;
      const echoed = [line];
      const ask = async (challenge: string) => {
        client.write(`+ ${challenge}\r\n`);
        echoed.push((await fromClient.next()) ?? '');
      };
      if (mechanism === 'LOGIN') for (const c of ['VXNlcm5hbWU6', 'UGFzc3dvcmQ6']) await ask(c);
      else if (mechanism === 'PLAIN' && line.split(' ').length === 3) await ask('');
      client.write(`${login[1]} NO [AUTHENTICATIONFAILED] bad command: ${echoed.join(' ')}\r\n`);
    }),
  );
}

/**
 * One client connection relayed to Dovecot: what the server sends through `rewrite`; each line
 * the client sends to `onLine`, which passes it on with `forward` or answers it itself (reading
 * more lines of the client's from `fromClient`). Without `onLine` the client's bytes pass as sent.
 */
function relayImap(
  client: net.Socket,
  upstreamPort: number,
  rewrite: (text: string) => string,
  onLine?: (
    line: string,
    forward: (line: string) => void,
    fromClient: { next(): Promise<string | undefined> },
  ) => Promise<void>,
): void {
  const server = net.connect(upstreamPort, '127.0.0.1');
  const close = () => {
    client.destroy();
    server.destroy();
  };
  client.on('error', close).on('close', close);
  server.on('error', close).on('close', close);
  server.on('data', (d: Buffer) => client.write(Buffer.from(rewrite(d.toString('latin1')), 'latin1')));
  if (!onLine) return void client.pipe(server);
  const fromClient = lineQueue(client);
  const forward = (line: string) => server.write(Buffer.from(`${line}\r\n`, 'latin1'));
  void (async () => {
    for (let line = await fromClient.next(); line !== undefined; line = await fromClient.next())
      await onLine(line, forward, fromClient);
  })().catch(close);
}

function renumber(lines: string[], order: number[]): string[] {
  const byServerN = new Map(lines.map((l) => [Number(l.split(' ')[0]), l.slice(l.indexOf(' ') + 1)]));
  return order.map((serverN, k) => `${k + 1} ${byServerN.get(serverN)}`);
}

/** A server on a free port of 127.0.0.1 that hands each connection to `handle`, and closes them all. */
export function listen(handle: (client: net.Socket) => void): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    handle(c);
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        port: (srv.address() as net.AddressInfo).port,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            srv.close(() => r());
          }),
      }),
    ),
  );
}

/** CRLF lines from a socket, one at a time; undefined at its end. */
function lineQueue(socket: net.Socket): { next(): Promise<string | undefined> } {
  let buffer = '';
  let ended = false;
  let wake: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buffer += d.toString('latin1');
    wake?.();
  });
  socket.on('close', () => {
    ended = true;
    wake?.();
  });
  return {
    async next() {
      for (;;) {
        const i = buffer.indexOf('\r\n');
        if (i >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          return line;
        }
        if (ended) return undefined;
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}
