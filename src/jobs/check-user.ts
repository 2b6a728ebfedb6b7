import fs from 'node:fs/promises';
import { ImportError, SourceError, type ErrorContext } from '../errors.js';
import { resolveImapServer } from '../maildir/imap-server.js';
import { maildirWriteProblems } from '../maildir/layout.js';
import { quotaAfter } from '../maildir/quota.js';
import type { CheckReport } from '../report/types.js';
import { closeImap, listFolders, openImap } from '../source/imap.js';
import { withPop3Session } from '../source/pop3-client.js';
import { credentialsOf, type UserJob } from '../user-job.js';

/**
 * The pre-flight for one account: log in to IMAP (folders and their counts by STATUS, no folder
 * opened) and to POP3 (STAT); then look at the Maildir as the import will meet it: there or not,
 * writable by the owner the import runs as, its quota, the box's IMAP server. Reads only; writes
 * nothing on either side, and costs a few round trips instead of a dry import.
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
  const maildirExists = await fs.stat(job.maildir).then(
    () => true,
    () => false,
  );
  const problems = job.ownerRefused !== undefined ? [job.ownerRefused] : maildirWriteProblems(job.maildir, job.owner);
  // The import refuses a Maildir that is not there unless it may create it (a typo in a path).
  if (!maildirExists && !job.createMaildir)
    problems.push(`Maildir ${job.maildir} does not exist: create it, or run the import (and this check) with --create`);
  // What the import's own quota steps would meet: a maildirsize it refuses is a problem too.
  const quota = maildirExists
    ? await quotaAfter(job.maildir, undefined, context).catch((err: unknown) => {
        if (!(err instanceof ImportError)) throw err;
        problems.push(err.detail);
        return undefined;
      })
    : undefined;
  return {
    kind: 'check',
    user: job.user,
    maildir: job.maildir,
    maildirExists,
    folders,
    pop3,
    problems,
    ...(quota ? { quota } : {}),
    imapServer: resolveImapServer(job.imapServer, job.maildir),
  };
}
