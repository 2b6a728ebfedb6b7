import { ImapFlow } from 'imapflow';
import type { SampleMessage } from './sample-mail.js';
import type { SourceServer } from './source-server.js';

/** APPENDs messages, with their flags and INTERNALDATEs, to a folder of a source server user. */
export async function seedMailbox(server: SourceServer, user: string, password: string, messages: readonly SampleMessage[], folder = 'INBOX'): Promise<void> {
  const client = new ImapFlow({ host: server.host, port: server.imapPort, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
  await client.connect();
  try {
    for (const m of messages) await client.append(folder, m.raw, m.flags, m.internalDate);
  } finally {
    await client.logout();
  }
}
