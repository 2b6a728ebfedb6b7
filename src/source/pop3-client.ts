import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { FolderError, SourceError, type ErrorContext } from '../errors.js';
import { MAX_POP3_LINE_BYTES } from '../limits.js';
import { connectFailure, describeEndpoint, describeLogin, loginHint, timeoutOf, tlsOptions } from './endpoint.js';
import type { Credentials, Endpoint } from './endpoint.js';
import { LineReader } from './line-reader.js';
import { Pop3Session, Pop3ErrReply } from './pop3-session.js';
import { greetingOrTlsPort } from './tls-probe.js';

/** A logged-in POP3 session and what the server offers after login. */
export interface Pop3Connection {
  session: Pop3Session;
  /** The server accepts several commands before their answers (CAPA PIPELINING). */
  pipelining: boolean;
}

/**
 * One logged-in POP3 session for `work`, ended with QUIT. Callers keep it short on purpose:
 * servers time idle POP3 sessions out and some refuse a second login for minutes. Nothing here
 * sends DELE, so QUIT changes nothing on the source.
 */
export async function withPop3Session<T>(
  endpoint: Endpoint,
  creds: Credentials,
  context: ErrorContext,
  work: (connection: Pop3Connection) => Promise<T>,
): Promise<T> {
  const open = await openPop3(endpoint, creds, context);
  try {
    // Capabilities may change with login (RFC 2449), so they are asked for after it.
    const pipelining = (await open.session.capabilities()).has('PIPELINING');
    const result = await work({ session: open.session, pipelining }).catch((err: unknown) => {
      throw err instanceof Pop3ErrReply ? new RefusedAfterLogin(err, context) : err;
    });
    await open.session.command('QUIT');
    return result;
  } finally {
    open.socket.destroy();
  }
}

interface OpenSession {
  session: Pop3Session;
  socket: Duplex;
}

async function openPop3(endpoint: Endpoint, creds: Credentials, context: ErrorContext): Promise<OpenSession> {
  const peer = describeEndpoint('pop3', endpoint);
  let socket: Duplex = await connect(endpoint, peer, context, endpoint.security === 'tls');
  const reader = new LineReader(socket, timeoutOf(endpoint), MAX_POP3_LINE_BYTES);
  const session = new Pop3Session(reader, (d) => socket.write(d), peer, context);
  try {
    const greeting = await greetingOrTlsPort(
      'pop3',
      endpoint,
      context,
      session.greeting(),
      () => false,
      // With an error, so the reader waiting for the greeting wakes now, not at --timeout.
      () => socket.destroy(new Error('abandoned: the port expects TLS')),
    );
    if (endpoint.security === 'starttls') {
      const caps = await session.capabilities();
      if (!caps.has('STLS'))
        throw new SourceError(`${peer}: server does not offer STLS; use --security tls or none`, context);
      await session.command('STLS');
      // Anything already buffered was sent before TLS and could be an injected reply.
      if (reader.pendingBytes > 0) throw new SourceError(`${peer}: data received before the TLS handshake`, context);
      socket = await upgrade(socket as net.Socket, endpoint, peer, context);
      reader.attach(socket);
    }
    await login(session, greeting, creds, peer, context);
    return { session, socket };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/** USER/PASS; APOP when asked for and offered; AUTH PLAIN with an authorization identity for admin logins. */
async function login(
  session: Pop3Session,
  greeting: string,
  creds: Credentials,
  peer: string,
  context: ErrorContext,
): Promise<void> {
  try {
    if (creds.authzid !== undefined) {
      const token = Buffer.from(`${creds.authzid}\0${creds.user}\0${creds.password}`).toString('base64');
      await session.command(`AUTH PLAIN ${token}`, 'AUTH PLAIN (credentials hidden)');
    } else if (creds.apop) {
      const stamp = /<[^<>]*>/.exec(greeting)?.[0];
      if (!stamp) throw new SourceError(`${peer}: APOP asked for, but the greeting offers no timestamp`, context);
      const digest = createHash('md5')
        .update(stamp + creds.password)
        .digest('hex');
      await session.command(`APOP ${creds.user} ${digest}`, `APOP ${creds.user} (digest hidden)`);
    } else {
      await session.command(`USER ${creds.user}`);
      await session.command(`PASS ${creds.password}`, 'PASS (password hidden)');
    }
  } catch (err) {
    if (err instanceof Pop3ErrReply) {
      throw new LoginRefused(
        `${peer}: login as ${describeLogin(creds)} refused: ${err.serverText || 'no reason given'}; ${loginHint(creds)}`,
        context,
      );
    }
    throw err;
  }
}

/** Wrong user or password: the operator must fix credentials, so this is reported distinctly. */
export class LoginRefused extends SourceError {}

/**
 * A -ERR after a successful login (a server that refuses every command because one message is
 * damaged): not a refused login, and not the whole account's failure. The INBOX cannot be listed
 * over POP3, so its UIDLs cannot be kept: that is the INBOX's error; other folders go on.
 */
export class RefusedAfterLogin extends FolderError {
  constructor(err: Pop3ErrReply, context: ErrorContext) {
    super(`${err.detail} after a successful login; the INBOX cannot be listed over POP3, so its UIDLs cannot be kept`, {
      ...context,
      folder: 'INBOX',
      cause: err,
    });
  }
}

function connect(endpoint: Endpoint, peer: string, context: ErrorContext, implicitTls: boolean): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) =>
      reject(
        new SourceError(`${peer}: ${connectFailure('pop3', endpoint, err)}`, {
          ...context,
          cause: err,
        }),
      );
    const socket = implicitTls
      ? tls.connect({ host: endpoint.host, port: endpoint.port, ...tlsOptions(endpoint) }, () => resolve(socket))
      : net.connect({ host: endpoint.host, port: endpoint.port }, () => resolve(socket));
    socket.setTimeout(timeoutOf(endpoint), () =>
      socket.destroy(
        new Error(`stalled: no ${implicitTls ? 'TLS handshake' : 'connection'} within ${timeoutOf(endpoint) / 1000} s`),
      ),
    );
    socket.once('error', fail);
    socket.once(implicitTls ? 'secureConnect' : 'connect', () => {
      socket.removeListener('error', fail);
      socket.setTimeout(0);
    });
  });
}

/** STLS: the TLS handshake over the plain socket, bounded like every other wait. */
function upgrade(plain: net.Socket, endpoint: Endpoint, peer: string, context: ErrorContext): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => socket.destroy(new Error(`stalled: no TLS handshake within ${timeoutOf(endpoint) / 1000} s`)),
      timeoutOf(endpoint),
    );
    const socket = tls.connect({ socket: plain, ...tlsOptions(endpoint) }, () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new SourceError(`${peer}: STLS: ${connectFailure('pop3', endpoint, err)}`, { ...context, cause: err }));
    });
  });
}
