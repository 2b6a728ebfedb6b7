import type net from 'node:net';
import tls from 'node:tls';
import { GREETING_TLS_PROBE_MS } from '../limits.js';
import { DEFAULT_PORTS, tlsOptions, type Endpoint } from './endpoint.js';

/**
 * Watches a plain connection (--security none or starttls) for its greeting. A port that expects
 * TLS from the first byte (993, 995) sends a plain client nothing, and the wait would last the
 * whole --timeout before it said "stalled". So when GREETING_TLS_PROBE_MS pass with no byte
 * received, a second connection tries a TLS handshake on the same port; if the port answers it,
 * the plain connection is ended with an error naming --security tls, which whoever waits for the
 * greeting reports. A plain server that is only slow fails that handshake (it greets in clear) and
 * is waited for as before. Nothing is read here: the greeting is left to its reader.
 */
export function watchForTlsPort(protocol: 'imap' | 'pop3', socket: net.Socket, endpoint: Endpoint): void {
  const timer = setTimeout(() => {
    if (socket.bytesRead > 0 || socket.destroyed) return;
    void answersTls(endpoint).then((yes) => {
      if (!yes || socket.bytesRead > 0 || socket.destroyed) return;
      socket.destroy(
        new Error(
          `no greeting within ${GREETING_TLS_PROBE_MS / 1000} s, and port ${endpoint.port} answers TLS: it expects TLS from the first byte; try --security tls (or --security ${endpoint.security} with the plain port, ${DEFAULT_PORTS[protocol].none} by default)`,
        ),
      );
    });
  }, GREETING_TLS_PROBE_MS);
  // Not a reason to stay alive: a run that is done with the socket may end before it fires.
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Whether the endpoint's port completes a TLS handshake (its certificate is not judged: this only
 *  asks what the port speaks) within GREETING_TLS_PROBE_MS. */
function answersTls(endpoint: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = tls.connect({
      host: endpoint.host,
      port: endpoint.port,
      ...tlsOptions(endpoint),
      rejectUnauthorized: false,
    });
    const done = (yes: boolean) => {
      clearTimeout(timer);
      probe.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => done(false), GREETING_TLS_PROBE_MS);
    probe.once('secureConnect', () => done(true));
    probe.once('error', () => done(false));
  });
}
