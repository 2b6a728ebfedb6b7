import { withSourceImap } from '../../scripts/lib/source-imap.js';
import type { Account } from './accounts.js';

/** Deletes messages from the account's source INBOX by UID set ("2", "1:3"), as the user's other
 *  mail client would between two runs. */
export async function deleteFromSourceInbox(a: Account, uids: string): Promise<void> {
  await withSourceImap(a.server, a.user, a.password, async (client) => {
    await client.mailboxOpen('INBOX');
    await client.messageDelete(uids, { uid: true });
  });
}
