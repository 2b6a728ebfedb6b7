import { isIP } from 'node:net';
import tls from 'node:tls';
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

/** What to check when the server refuses a login: where the password came from and the login's
 *  form, or for an admin login the admin's password and rights. */
export function loginHint(c: Credentials): string {
  return c.authzid
    ? `check the admin's password (--admin-password-file, or the prompt), that ${c.user} may log in on behalf of other users (a Dovecot master user, a Cyrus admin), and that the source knows the user as ${c.authzid} (vpopmail addresses: --login-format)`
    : `check the password (--password-file, QMAIL_IMPORT_PASSWORD, or the users file's line) and the login name (vpopmail addresses: --login-format, %u@%d by default)`;
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

/** The TLS settings of both protocols (implicit TLS, STARTTLS and STLS alike): SNI only for a
 *  name, since an IP address there is not allowed; a private CA adds to the system's, not replaces it. */
export function tlsOptions(endpoint: Endpoint): tls.ConnectionOptions {
  return {
    servername: isIP(endpoint.host) ? undefined : endpoint.host,
    rejectUnauthorized: !endpoint.insecure,
    ...(endpoint.ca ? { ca: [...tls.rootCertificates, endpoint.ca] } : {}),
  };
}

/** How long this endpoint may stay silent while we wait for it. */
export function timeoutOf(e: Endpoint): number {
  return e.timeoutMs ?? READ_TIMEOUT_MS;
}

/** Certificate checks that fail on a self-signed or privately signed server certificate. */
const UNTRUSTED_CERT = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);

/**
 * "cannot connect: CODE" with what it means and what to do next, in an admin's terms: the
 * raw code alone (DEPTH_ZERO_SELF_SIGNED_CERT) sends them searching.
 */
export function connectFailure(protocol: 'imap' | 'pop3', e: Endpoint, err: Error & { code?: string }): string {
  const code = err.code ?? err.message;
  const next = connectHint(protocol, e, code);
  return `cannot connect: ${code}${next ? `; ${next}` : ''}`;
}

/** What a refusal by TLS or the network means and what to do next; undefined for anything else. */
function connectHint(protocol: 'imap' | 'pop3', e: Endpoint, code: string): string | undefined {
  const tlsPort = DEFAULT_PORTS[protocol].tls;
  const plainPort = DEFAULT_PORTS[protocol].none;
  if (UNTRUSTED_CERT.has(code))
    return "the server's certificate is not signed by a CA this machine trusts: give that CA's PEM file with --ca-file FILE, or pass --insecure to skip the check";
  if (code === 'CERT_HAS_EXPIRED')
    return "the server's certificate has expired: renew it, or pass --insecure to skip the check";
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the certificate does not name ${e.host}: connect by the name it holds, or pass --insecure`;
  if (/WRONG_VERSION_NUMBER|packet length too long|unknown protocol/i.test(code))
    return `the server does not speak TLS on port ${e.port}: use --security starttls (or none) with its plain port (${plainPort}), or its TLS port (${tlsPort})`;
  if (code === 'ECONNREFUSED') return `nothing listens on ${e.host}:${e.port}: check --host and --${protocol}-port`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `the name ${e.host} does not resolve: check --host or --${protocol}-host`;
  return undefined;
}
