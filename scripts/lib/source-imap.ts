import { ImapFlow } from 'imapflow';
import type { SourceServer } from './source-server.js';

/** An IMAP session as USER on the source server (plain IMAP on loopback), logged out after `work`:
 *  how the demo, the benchmark and the tests seed or change a source mailbox. */
export async function withSourceImap<T>(
  server: SourceServer,
  user: string,
  password: string,
  work: (client: ImapFlow) => Promise<T>,
): Promise<T> {
  const client = new ImapFlow({
    host: server.host,
    port: server.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: password },
    logger: false,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
}
