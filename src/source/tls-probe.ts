import tls from 'node:tls';
import { SourceError, type ErrorContext } from '../errors.js';
import { GREETING_TLS_PROBE_MS } from '../limits.js';
import { DEFAULT_PORTS, describeEndpoint, tlsOptions, type Endpoint } from './endpoint.js';

/**
 * Waits for `greeting` on a plain connection (--security none or starttls). A port that expects
 * TLS from the first byte (993, 995) sends a plain client nothing, and the wait would last the
 * whole --timeout before it said "stalled". So after GREETING_TLS_PROBE_MS without a greeting, a
 * second connection tries a TLS handshake on the same port; if the port answers it, the wait ends
 * there (`abandon` closes the first connection) with an error naming --security tls. A plain
 * server that is only slow fails that handshake (it greets in clear) and is waited for as before.
 */
export async function greetingOrTlsPort<T>(
  protocol: 'imap' | 'pop3',
  endpoint: Endpoint,
  context: ErrorContext,
  greeting: Promise<T>,
  greeted: () => boolean,
  abandon: () => void,
): Promise<T> {
  if (endpoint.security === 'tls') return greeting;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const tlsPort = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (greeted()) return;
      void answersTls(endpoint).then((yes) => {
        if (!yes || settled || greeted()) return;
        abandon();
        const plain = DEFAULT_PORTS[protocol].none;
        reject(
          new SourceError(
            `${describeEndpoint(protocol, endpoint)}: no greeting within ${GREETING_TLS_PROBE_MS / 1000} s, and the port answers TLS: it expects TLS from the first byte; try --security tls (or --security ${endpoint.security} with the plain port, ${plain} by default)`,
            context,
          ),
        );
      });
    }, GREETING_TLS_PROBE_MS);
  });
  try {
    return await Promise.race([greeting, tlsPort]);
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}

/** Whether the endpoint's port completes a TLS handshake (its certificate is not judged: this only
 *  asks what the port speaks) within GREETING_TLS_PROBE_MS. */
function answersTls(endpoint: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: endpoint.host,
      port: endpoint.port,
      ...tlsOptions(endpoint),
      rejectUnauthorized: false,
    });
    const done = (yes: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => done(false), GREETING_TLS_PROBE_MS);
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
  });
}
