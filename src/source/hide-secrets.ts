import type { Credentials } from './endpoint.js';

/** Hides a login's secret in a text made from what a server said. */
export type HideSecrets = (text: string) => string;

/** What stands in a hidden secret's place. */
export const HIDDEN = '(password hidden)';

/**
 * A server may echo what it was sent ("bad command: PASS secret"): every error the source
 * clients make from server words passes through this, so none of the forms the password took on
 * the wire is printed or stored. The forms: as typed (POP3 PASS, IMAP LITERAL), as an IMAP quoted
 * string, base64 alone (SASL LOGIN's password step) and the whole SASL PLAIN token, with and
 * without the admin login's authorization identity. An APOP digest needs none: it is a hash that
 * changes with every greeting. Matched regardless of case, since some servers upper-case what
 * they echo.
 */
export function secretHider(creds: Credentials): HideSecrets {
  const { user, password } = creds;
  if (password === '') return (text) => text;
  const base64 = (s: string) => Buffer.from(s).toString('base64');
  const forms = new Set([
    password,
    password.replace(/[\\"]/g, (c) => `\\${c}`),
    base64(password),
    base64(`\0${user}\0${password}`),
    base64(`${creds.authzid ?? ''}\0${user}\0${password}`),
  ]);
  // Longest first, so a token is hidden whole rather than around a shorter form inside it.
  const pattern = new RegExp(
    [...forms]
      .sort((a, b) => b.length - a.length)
      .map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'gi',
  );
  return (text) => text.replace(pattern, HIDDEN);
}
