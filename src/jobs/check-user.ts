import fs from 'node:fs/promises';
import type { ErrorContext } from '../errors.js';
import type { CheckReport } from '../report/types.js';
import { closeImap, listFolders, openImap } from '../source/imap.js';
import { withPop3Session } from '../source/pop3-client.js';
import { SourceError } from '../errors.js';
import { credentialsOf, type UserJob } from '../user-job.js';

/**
 * The pre-flight for one account: log in to IMAP (folders and their counts by STATUS, no folder
 * opened) and to POP3 (STAT), and look whether the Maildir is there. Reads only; writes nothing
 * on either side, so it needs no owner and costs a few round trips instead of a dry import.
 */
export async function checkUser(job: UserJob): Promise<CheckReport> {
  const context: ErrorContext = { user: job.user };
  const imap = await openImap(job.imap, credentialsOf(job), context);
  const folders: CheckReport['folders'] = [];
  try {
    // One LIST with every folder's STATUS (LIST-STATUS, else one STATUS each): no folder opened.
    for (const f of await listFolders(imap, context, true))
      if (f.selectable) folders.push({ name: f.path, messages: f.status?.messages ?? 0 });
  } finally {
    await closeImap(imap);
  }
  const pop3 = await withPop3Session(job.pop3, credentialsOf(job), context, async ({ session }) => {
    const stat = /^(\d+) (\d+)/.exec(await session.command('STAT'));
    if (!stat) throw new SourceError('pop3: STAT answer without a count and a size', context);
    return { messages: Number(stat[1]), bytes: Number(stat[2]) };
  });
  return {
    kind: 'check',
    user: job.user,
    maildir: job.maildir,
    maildirExists: await fs.stat(job.maildir).then(
      () => true,
      () => false,
    ),
    folders,
    pop3,
  };
}
