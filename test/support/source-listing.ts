import { withPop3Session } from '../../src/source/pop3-client.js';
import type { ListEntry, UidlEntry } from '../../src/source/pop3-listing.js';
import type { Account } from './accounts.js';

/** What the account's POP3 clients see on the source: UIDL and LIST, over plain POP3 on loopback. */
export function sourcePop3Listing(
  a: Pick<Account, 'server' | 'user' | 'password'>,
  port = a.server.pop3Port,
): Promise<{ uidl: UidlEntry[]; list: ListEntry[] }> {
  const endpoint = { host: a.server.host, port, security: 'none' as const, insecure: false };
  return withPop3Session(endpoint, { user: a.user, password: a.password }, {}, async ({ session }) => ({
    uidl: await session.uidl(),
    list: await session.list(),
  }));
}
