import type { SampleMessage } from './sample-mail.js';
import type { SourceServer } from './source-server.js';
import { withSourceImap } from './source-imap.js';

export interface SeedFolder {
  /** Unicode name with the server's separator; INBOX exists already. */
  path: string;
  messages: readonly SampleMessage[];
  subscribed?: boolean;
}

/** APPENDs messages, with their flags and INTERNALDATEs, to a folder of a source server user. */
export async function seedMailbox(
  server: SourceServer,
  user: string,
  password: string,
  messages: readonly SampleMessage[],
  folder = 'INBOX',
): Promise<void> {
  await seedFolders(server, user, password, [{ path: folder, messages }]);
}

/** Creates folders (subscribed or not) and APPENDs their messages. */
export async function seedFolders(
  server: SourceServer,
  user: string,
  password: string,
  folders: readonly SeedFolder[],
): Promise<void> {
  await withSourceImap(server, user, password, async (client) => {
    for (const f of folders) {
      if (f.path.toUpperCase() !== 'INBOX') {
        await client.mailboxCreate(f.path);
        if (f.subscribed) await client.mailboxSubscribe(f.path);
        else await client.mailboxUnsubscribe(f.path);
      }
      for (const m of f.messages) await client.append(f.path, m.raw, m.flags, m.internalDate);
    }
  });
}
