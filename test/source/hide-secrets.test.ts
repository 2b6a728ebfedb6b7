import { describe, expect, it } from 'vitest';
import { secretHider } from '../../src/source/hide-secrets.js';

describe('secretHider', () => {
  const password = 'Se"cr\\et';
  const b64 = (t: string) => Buffer.from(t).toString('base64');

  it.each([
    ['as typed (POP3 PASS)', `-ERR bad command: PASS ${password}`],
    ['as an IMAP quoted string', 'NO bad command: a1 LOGIN "alice" "Se\\"cr\\\\et"'],
    ['upper-cased by the server', `-ERR BAD COMMAND: PASS ${password.toUpperCase()}`],
    ['base64 alone (SASL LOGIN)', `NO bad: ${b64(password)}`],
    ['the SASL PLAIN token', `NO bad: AUTHENTICATE PLAIN ${b64(`\0alice\0${password}`)}`],
    ['the SASL PLAIN token with an authorization identity', `-ERR bad: AUTH PLAIN ${b64(`bob\0alice\0${password}`)}`],
  ])('hides the password %s', (_, text) => {
    const hidden = secretHider({ user: 'alice', password, authzid: 'bob' })(text);
    expect(hidden).toContain('(password hidden)');
    expect(hidden.toLowerCase()).not.toContain(password.toLowerCase());
    expect(hidden).not.toMatch(/[A-Za-z0-9+/]{12,}={0,2}$/);
  });

  it('leaves text without the password as it is, and an empty password hides nothing', () => {
    expect(secretHider({ user: 'alice', password })('-ERR [AUTH] Authentication failed.')).toBe(
      '-ERR [AUTH] Authentication failed.',
    );
    expect(secretHider({ user: 'alice', password: '' })('-ERR x')).toBe('-ERR x');
  });
});
