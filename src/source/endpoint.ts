import { isIP } from 'node:net';
import { READ_TIMEOUT_MS } from '../limits.js';

/** How to reach one protocol of the source server. */
export type Security = 'tls' | 'starttls' | 'none';

export interface Endpoint {
  host: string;
  port: number;
  security: Security;
  /** PEM text of extra CAs to trust (a private CA), from --ca-file. */
  ca?: string;
  /** Skip certificate verification (--insecure). */
  insecure: boolean;
  /** --timeout: a server silent this long mid-answer (or a handshake this slow) ends the step; default READ_TIMEOUT_MS. */
  timeoutMs?: number;
}

export interface Credentials {
  /** Who logs in: the user, or with an admin login the admin. */
  user: string;
  password: string;
  /** Admin login: the user whose mail is read (SASL PLAIN authorization identity). */
  authzid?: string;
  /** POP3: log in with APOP when the greeting offers it (the password never crosses the wire). */
  apop?: boolean;
}

/** "alice", or "admin for alice": how errors name a login. */
export function describeLogin(c: Credentials): string {
  return c.authzid ? `${c.user} for ${c.authzid}` : c.user;
}

export const DEFAULT_PORTS = {
  imap: { tls: 993, starttls: 143, none: 143 },
  pop3: { tls: 995, starttls: 110, none: 110 },
} as const;

/** True for 127.0.0.0/8, ::1 and localhost: clear text there never crosses a wire. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export function describeEndpoint(protocol: 'imap' | 'pop3', e: Endpoint): string {
  return `${protocol} ${e.host}:${e.port}`;
}

/** How long this endpoint may stay silent while we wait for it. */
export function timeoutOf(e: Endpoint): number {
  return e.timeoutMs ?? READ_TIMEOUT_MS;
}
