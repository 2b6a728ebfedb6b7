import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/errors.js';
import type { Endpoint, Security } from '../../src/source/endpoint.js';
import type { Credentials } from '../../src/source/endpoint.js';
import { LoginRefused, withPop3Session } from '../../src/source/pop3-client.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';

/** Logs in, reads UIDL and LIST, quits. */
const readPop3Listing = (endpoint: Endpoint, creds: Credentials, context = {}) =>
  withPop3Session(endpoint, creds, context, async ({ session }) => ({
    uidl: await session.uidl(),
    list: await session.list(),
  }));

describe('withPop3Session against Dovecot', () => {
  let a: Account;
  let ca: string;
  const endpoint = (security: Security, extra: Partial<Endpoint> = {}): Endpoint => ({
    host: a.server.host,
    port: security === 'tls' ? a.server.pop3sPort : a.server.pop3Port,
    security,
    ca,
    insecure: false,
    ...extra,
  });

  beforeAll(async () => {
    a = await makeAccount(sharedSource(), sampleMessages({ count: 4, seed: 21 }));
    ca = fs.readFileSync(a.server.caFile, 'utf8');
  });

  it.each(['none', 'starttls', 'tls'] as const)('lists UIDLs and CRLF sizes with --security %s', async (security) => {
    const listing = await readPop3Listing(endpoint(security), a, {});
    expect(listing.uidl.map((u) => u.n)).toEqual([1, 2, 3, 4]);
    expect(listing.uidl.every((u) => /^\d+\.\d$/.test(u.uidl))).toBe(true);
    expect(listing.list.map((l) => l.size)).toEqual(a.messages.map((m) => m.raw.length));
  });

  it('logs in with APOP when asked: the password never crosses the wire', async () => {
    const listing = await readPop3Listing(endpoint('none'), { ...a, apop: true }, {});
    expect(listing.uidl).toHaveLength(4);
    const err = await readPop3Listing(endpoint('none'), { user: a.user, password: 'nope', apop: true }, {}).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LoginRefused);
  });

  it('refuses a wrong password with LoginRefused naming server and user', async () => {
    const err = await readPop3Listing(endpoint('tls'), { user: a.user, password: 'nope' }, { user: a.user }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LoginRefused);
    expect((err as Error).message).toContain(`pop3 127.0.0.1:${a.server.pop3sPort}: login as ${a.user} refused`);
    expect((err as Error).message).not.toContain('nope');
  });

  it('fails the TLS handshake against a certificate no trusted CA signed', async () => {
    const err = await readPop3Listing(endpoint('tls', { ca: undefined }), a, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/cannot connect: (SELF_SIGNED|UNABLE_TO|DEPTH_ZERO)/);
  });

  it('reports a closed port as a source error', async () => {
    const err = await readPop3Listing(endpoint('none', { port: 1 }), a, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toContain('cannot connect: ECONNREFUSED');
  });
});
