import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { ImapFlow, ImapFlowError, MailboxObject } from 'imapflow';
import { FolderError, ImportError, MessageError, SourceError, type ErrorContext } from '../errors.js';
import { DOWNLOAD_CHUNK_BYTES, IMAP_KEEPALIVE_FRACTION } from '../limits.js';
import type { HideSecrets } from './hide-secrets.js';
import { withNamesAsListed, type FolderName } from './listed-name.js';

/** What we know of one IMAP connection beyond imapflow: whom it reaches, and why it ended. */
interface Link {
  peer: string;
  timeoutMs: number;
  /** Every error made from the server's words passes through this (src/source/hide-secrets.ts). */
  hide: HideSecrets;
  /** The first error imapflow reported for the connection (a timeout, a refused line): later
   *  commands only see "NoConnection", and the user should read the real reason. */
  lost?: Error;
}

const links = new WeakMap<ImapFlow, Link>();

/**
 * Watches a connected client: remembers why its connection ended, and sends a NOOP whenever a
 * while has passed, so that a connection waiting for a long POP3 step never sits idle into our
 * own read timeout or the server's autologout. A NOOP behind a running command just queues.
 */
export function watchLink(client: ImapFlow, peer: string, timeoutMs: number, hide: HideSecrets): void {
  const link: Link = { peer, timeoutMs, hide };
  links.set(client, link);
  client.on('error', (err: Error) => {
    link.lost ??= err;
  });
  let pending = false;
  const timer = setInterval(() => {
    if (pending || !client.usable) return;
    pending = true;
    client
      .noop()
      .catch(() => undefined)
      .finally(() => (pending = false));
  }, timeoutMs * IMAP_KEEPALIVE_FRACTION);
  timer.unref();
  client.on('close', () => clearInterval(timer));
}

/** An imapflow failure as a SourceError naming the server, the step and what really happened. */
export function imapFailure(client: ImapFlow, what: string, err: unknown, context: ErrorContext): ImportError {
  if (err instanceof ImportError) return err;
  const link = links.get(client);
  const e = err as ImapFlowError;
  const real = (e.code === 'NoConnection' && link?.lost) || e;
  return linkError(
    client,
    SourceError,
    `${link?.peer ?? 'imap'}: ${what}: ${describeImapError(real, link?.timeoutMs)}`,
    {
      ...context,
      cause: err,
    },
  );
}

/** The one place an IMAP error's text is made: it may hold the server's words, which may echo
 *  what the login sent, so the login's secrets are hidden in it. */
export function linkError<E extends ImportError>(
  client: ImapFlow,
  Class: new (message: string, context: ErrorContext) => E,
  message: string,
  context: ErrorContext,
): E {
  const hide = links.get(client)?.hide;
  return new Class(hide ? hide(message) : message, context);
}

function describeImapError(err: Error, timeoutMs: number | undefined): string {
  const e = err as ImapFlowError;
  if (e.code === 'ETIMEOUT' && timeoutMs !== undefined)
    return `stalled: no answer within ${timeoutMs / 1000} s (--timeout)`;
  if (e.code === 'LineTooLarge' || e.code === 'LiteralTooLarge' || e.code === 'ResponseTooLarge')
    return `server sent too much: ${e.message}`;
  if (e.responseText) return e.responseText;
  // A BYE: Dovecot ends a session whose selected folder changed UIDVALIDITY ("session state is
  // inconsistent"); its words say more than imapflow's "Connection not available".
  if (e.code === 'NoConnection' && e.reason) return `the server closed the connection: ${e.reason}`;
  return e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
}

/** One message streamed whole, BODY.PEEK[] (or BINARY.PEEK[]), in chunks of DOWNLOAD_CHUNK_BYTES. */
export function downloadWhole(client: ImapFlow, uid: number, binary = false): ReturnType<ImapFlow['download']> {
  return client.download(String(uid), undefined, { uid: true, binary, chunkSize: DOWNLOAD_CHUNK_BYTES });
}

/**
 * A streamed download whose failures say what they mean: a message that vanished or overran
 * during its download is that message's error; anything else (the connection) ends the step.
 * Destroying the result (the write failed) aborts the download.
 */
export function namedDownload(client: ImapFlow, content: Readable, uid: number, context: ErrorContext): Readable {
  const out = new PassThrough();
  content.once('error', (err: ImapFlowError) => {
    const messageContext = { ...context, uid, cause: err };
    if (err.code === 'DownloadIncomplete')
      out.destroy(new MessageError('expunged on the source during its download; not copied', messageContext));
    else if (err.code === 'DownloadOverflow')
      out.destroy(new MessageError('the server sent more than its RFC822.SIZE; not copied', messageContext));
    else out.destroy(imapFailure(client, `uid ${uid}: download failed`, err, context));
  });
  out.once('close', () => content.destroy());
  content.pipe(out);
  return out;
}

/**
 * Runs one IMAP call. A NO or BAD answer is the server refusing this folder or these messages
 * (a folder it lists but cannot open): the folder's error, and the others go on. Anything else
 * (a dropped connection, a stall) is the source's; our own errors pass as they are: a full disk
 * met while writing inside a fetch loop is local, not the server's fault.
 */
export async function imapCall<T>(
  client: ImapFlow,
  call: () => Promise<T>,
  what: string,
  context: ErrorContext,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const e = err as ImapFlowError;
    if (e.responseStatus === 'NO' || e.responseStatus === 'BAD')
      throw linkError(
        client,
        FolderError,
        `imap: ${what}: ${e.responseText ?? e.code ?? e.message} (server answered ${e.responseStatus})`,
        { ...context, cause: err },
      );
    throw imapFailure(client, what, err, context);
  }
}

/** What an opened folder says of itself: UIDVALIDITY, and HIGHESTMODSEQ where the source offers CONDSTORE. */
export function folderHeader(
  path: string,
  box: MailboxObject,
): { path: string; uidValidity: string; highestModseq?: string } {
  const modseq = box.highestModseq !== undefined ? { highestModseq: box.highestModseq.toString() } : {};
  return { path, uidValidity: box.uidValidity.toString(), ...modseq };
}

/** Opens a folder read-only (EXAMINE), by the name LIST gave it: a run only reads the source. */
export async function examineFolder(
  client: ImapFlow,
  folder: FolderName,
  context: ErrorContext,
): Promise<MailboxObject> {
  return imapCall(
    client,
    () => withNamesAsListed(client, () => client.mailboxOpen(folder.listed, { readOnly: true })),
    `cannot open folder ${folder.path}`,
    context,
  );
}
