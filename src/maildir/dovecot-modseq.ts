import { FolderError, type ErrorContext } from '../errors.js';
import { installedDoveadm } from './box-tools.js';
import { runDoveadm } from './doveadm.js';

/** Why a source's HIGHESTMODSEQ is not carried: it has none. */
export const NO_CONDSTORE = 'the source offers no CONDSTORE';

/** What became of a folder's HIGHESTMODSEQ on the box: raised to at least the source's, or why not. */
export type ModseqOutcome = { floor: string } | { notKept: string } | { error: string };

/**
 * RFC 7162: under one UIDVALIDITY, HIGHESTMODSEQ never goes down, or a CONDSTORE/QRESYNC client
 * asking what changed since the source's value misses changes made on the box. Dovecot counts
 * afresh in the index a list write removes (src/maildir/dovecot-uidlist.ts), so once the list is
 * in place the folder's floor is raised with Dovecot's own `doveadm mailbox update
 * --min-highest-modseq`, run as the owner with a private config on the Maildir. It writes only the
 * folder's index: it does not scan the folder, so it numbers no file the list leaves to the server
 * (docs/imap-uids.md). `mailbox` is the folder's name as doveadm takes it (UTF-8, "." between levels).
 */
export async function raiseDovecotModseq(
  maildir: string,
  mailbox: string,
  sourceModseq: string,
  context: ErrorContext,
): Promise<ModseqOutcome> {
  const doveadm = installedDoveadm();
  if (doveadm === undefined) return { notKept: 'doveadm not found' };
  try {
    await runDoveadm(doveadm, maildir, ['mailbox', 'update', '--min-highest-modseq', sourceModseq, mailbox], context);
  } catch (err) {
    if (!(err instanceof FolderError)) throw err;
    return { error: err.detail };
  }
  return { floor: sourceModseq };
}
