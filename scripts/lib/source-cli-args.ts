import type { SourceServer } from './source-server.js';

/** The qmail-import options that reach the source server: over TLS trusting its private CA, or in
 *  clear text on its plain ports (loopback only). */
export function sourceCliArgs(server: SourceServer, security: 'tls' | 'none'): string[] {
  return security === 'tls'
    ? [
        '--host',
        server.host,
        '--imap-port',
        String(server.imapsPort),
        '--pop3-port',
        String(server.pop3sPort),
        '--ca-file',
        server.caFile,
      ]
    : [
        '--host',
        server.host,
        '--security',
        'none',
        '--imap-port',
        String(server.imapPort),
        '--pop3-port',
        String(server.pop3Port),
      ];
}
