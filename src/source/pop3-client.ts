import { createHash } from 'node:crypto';
import type net from 'node:net';
import { FolderError, SourceError, type ErrorContext } from '../errors.js';
import { MAX_POP3_LINE_BYTES } from '../limits.js';
import { Stopped } from '../run-context.js';
import { describeEndpoint, describeLogin, loginHint, timeoutOf } from './endpoint.js';
import type { Credentials, Endpoint } from './endpoint.js';
import { secretHider } from './hide-secrets.js';
import { LineReader } from './line-reader.js';
import { Pop3Session, Pop3ErrReply } from './pop3-session.js';
import { connectSocket, startTls } from './socket-connect.js';

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
    const result = await work({ session: open.session, pipelining }).catch(async (err: unknown) => {
      // A stop comes between two messages, with no answer pending: the session ends as it would
      // have, with QUIT, so a server that commits state on its own leaves nothing half done.
      if (err instanceof Stopped) await open.session.command('QUIT');
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
  socket: net.Socket;
}

async function openPop3(endpoint: Endpoint, creds: Credentials, context: ErrorContext): Promise<OpenSession> {
  const peer = describeEndpoint('pop3', endpoint);
  let socket = await connectSocket('pop3', endpoint, peer, context);
  const reader = new LineReader(socket, timeoutOf(endpoint), MAX_POP3_LINE_BYTES);
  const session = new Pop3Session(reader, (d) => socket.write(d), peer, context, secretHider(creds));
  try {
    const greeting = await session.greeting();
    if (endpoint.security === 'starttls') {
      const caps = await session.capabilities();
      if (!caps.has('STLS'))
        throw new SourceError(`${peer}: server does not offer STLS; use --security tls or none`, context);
      await session.command('STLS');
      // Anything already buffered was sent before TLS and could be an injected reply.
      if (reader.pendingBytes > 0) throw new SourceError(`${peer}: data received before the TLS handshake`, context);
      socket = await startTls('pop3', 'STLS', socket, endpoint, peer, context);
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
      const refused = `${peer}: login as ${describeLogin(creds)} refused: ${err.serverText || 'no reason given'}`;
      throw new LoginRefused(`${refused}; ${loginHint(creds)}`, context, refused);
    }
    throw err;
  }
}

/** Wrong user or password: the operator must fix credentials, so this is reported distinctly. */
export class LoginRefused extends SourceError {
  /** `refused`: what the server said, without the hint on what to check (which does not hold when
   *  IMAP accepted the same login: src/import/inbox-evidence.ts). */
  constructor(
    message: string,
    context: ErrorContext,
    readonly refused: string = message,
  ) {
    super(message, context);
  }
}

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
