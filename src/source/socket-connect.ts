import net from 'node:net';
import tls from 'node:tls';
import { SourceError, type ErrorContext } from '../errors.js';
import { connectFailure, timeoutOf, tlsOptions, type Endpoint } from './endpoint.js';
import { watchForTlsPort } from './tls-probe.js';

/**
 * The connection to one protocol of the source, up to its first byte: TCP, and the TLS handshake
 * for implicit TLS, each bounded by --timeout and named as a stall when the server goes silent.
 */
export function connectSocket(
  protocol: 'imap' | 'pop3',
  endpoint: Endpoint,
  peer: string,
  context: ErrorContext,
): Promise<net.Socket> {
  const implicitTls = endpoint.security === 'tls';
  return new Promise((resolve, reject) => {
    const fail = (err: Error) =>
      reject(new SourceError(`${peer}: ${connectFailure(protocol, endpoint, err)}`, { ...context, cause: err }));
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
      if (!implicitTls) watchForTlsPort(protocol, socket, endpoint);
    });
  });
}

/**
 * The TLS handshake over a plain socket after STLS or STARTTLS (`step`), bounded like every other
 * wait. The certificate is checked against --host even where that is an IP address.
 */
export function startTls(
  protocol: 'imap' | 'pop3',
  step: string,
  plain: net.Socket,
  endpoint: Endpoint,
  peer: string,
  context: ErrorContext,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => socket.destroy(new Error(`stalled: no TLS handshake within ${timeoutOf(endpoint) / 1000} s`)),
      timeoutOf(endpoint),
    );
    const socket = tls.connect({ socket: plain, host: endpoint.host, ...tlsOptions(endpoint) }, () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(
        new SourceError(`${peer}: ${step}: ${connectFailure(protocol, endpoint, err)}`, { ...context, cause: err }),
      );
    });
  });
}
