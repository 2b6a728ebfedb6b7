import type net from 'node:net';
import type { ImapTransport } from 'imapflow';
import { SourceError, type ErrorContext } from '../errors.js';
import { MAX_IMAP_LINE_BYTES } from '../limits.js';
import { timeoutOf, type Endpoint } from './endpoint.js';
import { LineReadError, LineReader } from './line-reader.js';
import { connectSocket, startTls } from './socket-connect.js';

/** The tag of the one command sent before imapflow takes the connection over. */
const TAG = 'qi1';

/**
 * The IMAP connection as imapflow is handed it: TCP, the TLS handshake (implicit, or after
 * STARTTLS), each bounded by --timeout and named as a stall, as POP3's are. imapflow's own
 * STARTTLS gives up after a fixed 10 s and reports a slow handshake as a connect timeout, so the
 * upgrade is done here; the greeting read before it is given back to imapflow as the first line
 * of the TLS session, without its capabilities, which imapflow then asks for over TLS.
 */
export async function connectImapSocket(endpoint: Endpoint, peer: string, context: ErrorContext): Promise<net.Socket> {
  const socket = await connectSocket('imap', endpoint, peer, context);
  if (endpoint.security !== 'starttls') return socket;
  try {
    const reader = new LineReader(socket, timeoutOf(endpoint), MAX_IMAP_LINE_BYTES);
    const fail = (message: string) => new SourceError(`${peer}: ${message}`, context);
    const read = (what: string) =>
      reader.readLine().then(
        (line) => line.toString('latin1'),
        (err: unknown) => {
          throw err instanceof LineReadError ? fail(`${what}: ${err.message}`) : err;
        },
      );
    const greeting = await read('greeting');
    if (!/^\* OK\b/i.test(greeting))
      throw fail(`STARTTLS is not possible after the greeting ${JSON.stringify(greeting.slice(0, 200))}`);
    socket.write(`${TAG} STARTTLS\r\n`);
    let answer = await read('STARTTLS');
    while (answer.startsWith('* ')) answer = await read('STARTTLS');
    if (!answer.toUpperCase().startsWith(`${TAG.toUpperCase()} OK`))
      throw fail(`STARTTLS refused: ${JSON.stringify(answer.slice(0, 200))}; use --security tls or none`);
    // Anything already buffered was sent before TLS and could be an injected reply.
    if (reader.pendingBytes > 0) throw fail('data received before the TLS handshake');
    reader.detach();
    const secure = await startTls('imap', 'STARTTLS', socket, endpoint, peer, context);
    secure.unshift(Buffer.from(`${greeting.replace(/^\* OK (\[[^\]]*\] ?)?/i, '* OK ')}\r\n`, 'latin1'));
    return secure;
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/** imapflow's transport for a connection already made: handed over as it is. */
export function handedOver(socket: net.Socket): ImapTransport {
  return {
    connect(_options, onConnect) {
      setImmediate(onConnect);
      return socket;
    },
  };
}
