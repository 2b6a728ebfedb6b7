import { ImapFlow, type ImapFlowError, type MailboxObject } from 'imapflow';
import { SourceError, type ErrorContext } from '../errors.js';
import type { ImapMessageMeta } from '../message-records.js';
import type { FolderStatus } from '../state/folder-marks.js';
import { FETCH_RANGE_UIDS, MAX_IMAP_LINE_BYTES, MAX_IMAP_LITERAL_BYTES, MAX_IMAP_RESPONSE_BYTES } from '../limits.js';
import { describeEndpoint, describeLogin, loginHint, timeoutOf } from './endpoint.js';
import type { Credentials, Endpoint } from './endpoint.js';
import { secretHider } from './hide-secrets.js';
import { connectImapSocket, handedOver } from './imap-socket.js';
import { examineFolder, folderHeader, imapCall, imapFailure, linkError, watchLink } from './imap-link.js';
import { nameOf, type FolderName } from './listed-name.js';

export interface FolderSnapshot {
  path: string;
  uidValidity: string;
  /** The UID the source will give its next message (0 when it did not say). */
  uidNext: number;
  /** HIGHESTMODSEQ when the folder was opened (RFC 7162), where the source offers CONDSTORE. */
  highestModseq?: string;
  messages: ImapMessageMeta[];
}

/** One folder of the source, as LIST tells it: `path`, its full name (unicode where the server's
 *  modified UTF-7 reads back exactly, with its delimiter), and `listed`, the name as sent. */
export interface SourceFolder extends FolderName {
  /** The name's levels, e.g. ["Archive", "2019"]. */
  parts: string[];
  /** \Noselect: holds no messages, exists only as a parent. */
  selectable: boolean;
  subscribed: boolean;
  /** Asked for by listFolders(…, true): what STATUS says of it now. */
  status?: FolderStatus;
  /** The NAMESPACE the folder is in: the user's own, other users', or shared (RFC 2342). */
  namespace: 'personal' | 'other' | 'shared';
}

export async function openImap(endpoint: Endpoint, creds: Credentials, context: ErrorContext): Promise<ImapFlow> {
  const peer = describeEndpoint('imap', endpoint);
  // TCP and TLS (implicit or STARTTLS) are ours, bounded by --timeout; imapflow takes over from the greeting.
  const socket = await connectImapSocket(endpoint, peer, context);
  const client = new ImapFlow({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security !== 'none',
    doSTARTTLS: false,
    transport: handedOver(socket),
    // An admin login authenticates as the admin and reads the user's mail (SASL PLAIN authzid).
    auth: creds.authzid
      ? { user: creds.user, pass: creds.password, authzid: creds.authzid, loginMethod: 'AUTH=PLAIN' }
      : { user: creds.user, pass: creds.password },
    logger: false,
    socketTimeout: timeoutOf(endpoint),
    greetingTimeout: timeoutOf(endpoint),
    connectionTimeout: timeoutOf(endpoint),
    maxLineLength: MAX_IMAP_LINE_BYTES,
    maxLiteralSize: MAX_IMAP_LITERAL_BYTES,
    maxResponseSize: MAX_IMAP_RESPONSE_BYTES,
    disableAutoIdle: true,
  });
  // imapflow emits 'error' on a broken connection; without a listener Node would crash the run.
  watchLink(client, peer, timeoutOf(endpoint), secretHider(creds));
  try {
    await client.connect();
  } catch (err) {
    client.close();
    const e = err as ImapFlowError;
    if (e.authenticationFailed)
      throw linkError(
        client,
        SourceError,
        `${peer}: login as ${describeLogin(creds)} refused: ${e.responseText ?? e.message}; ${loginHint(creds)}`,
        { ...context, cause: err },
      );
    throw imapFailure(client, 'cannot connect', err, context);
  }
  return client;
}

/** Every folder of the account, INBOX included, with its subscription state. */
export async function listFolders(
  client: ImapFlow,
  context: ErrorContext,
  withStatus = false,
): Promise<SourceFolder[]> {
  // With LIST-STATUS one round trip tells every folder's counts; imapflow falls back to STATUS.
  const statusQuery = { messages: true, uidNext: true, uidValidity: true, highestModseq: true };
  const listed = await imapCall(
    client,
    () => client.list(withStatus ? { statusQuery } : {}),
    'cannot list folders',
    context,
  );
  return listed.map((f) => {
    const name = nameOf(f);
    return {
      ...name,
      parts: f.delimiter ? name.path.split(f.delimiter) : [name.path],
      selectable: isSelectable(f.flags),
      namespace: namespaceOf(client, name.path),
      subscribed: f.subscribed,
      ...(f.status?.uidValidity !== undefined && f.status.uidNext !== undefined && f.status.messages !== undefined
        ? {
            status: {
              uidValidity: f.status.uidValidity.toString(),
              uidNext: f.status.uidNext,
              messages: f.status.messages,
              ...(f.status.highestModseq !== undefined ? { highestModseq: f.status.highestModseq.toString() } : {}),
            },
          }
        : {}),
    };
  });
}

/** The namespace whose prefix is the longest one the path starts with (the personal prefix is often ""). */
function namespaceOf(client: ImapFlow, folderPath: string): SourceFolder['namespace'] {
  const ns = client.namespaces;
  let best: { kind: SourceFolder['namespace']; length: number } = { kind: 'personal', length: -1 };
  for (const kind of ['personal', 'other', 'shared'] as const)
    for (const { prefix } of ns?.[kind] || [])
      if (
        prefix.length > best.length &&
        (folderPath.startsWith(prefix) || `${folderPath}${prefix.slice(-1)}` === prefix)
      )
        best = { kind, length: prefix.length };
  return best.kind;
}

/** Mailbox attributes are case-insensitive (RFC 3501): real servers send `\NoSelect` too. */
function isSelectable(flags: ReadonlySet<string>): boolean {
  const lower = new Set([...flags].map((f) => f.toLowerCase()));
  return !lower.has('\\noselect') && !lower.has('\\nonexistent');
}

/** Opens a folder read-only and lists its messages' metadata in one pipelined FETCH (`matchHeaders`: with X-UIDL and Message-ID). */
export async function readFolderSnapshot(
  client: ImapFlow,
  folder: FolderName,
  context: ErrorContext,
  matchHeaders = false,
): Promise<FolderSnapshot> {
  return listOpenFolder(client, folder.path, await examineFolder(client, folder, context), context, matchHeaders);
}

/** Every message of the folder just opened as `box`, listed as readFolderSnapshot does. */
export async function listOpenFolder(
  client: ImapFlow,
  path: string,
  box: MailboxObject,
  context: ErrorContext,
  matchHeaders = false,
): Promise<FolderSnapshot> {
  const messages = box.exists > 0 ? await fetchMessageMeta(client, path, '1:*', { matchHeaders }, context) : [];
  return snapshotOf(path, box, messages);
}

/** A snapshot of an open folder: its header as EXAMINE said, with the messages listed. */
export function snapshotOf(path: string, box: MailboxObject, messages: ImapMessageMeta[]): FolderSnapshot {
  return { ...folderHeader(path, box), uidNext: box.uidNext ?? 0, messages };
}

/** How fetchMessageMeta asks: `range` as UIDs, with X-UIDL and Message-ID, only messages changed
 *  since a MODSEQ (RFC 7162 CHANGEDSINCE). */
export interface MetaQuery {
  byUid?: boolean;
  matchHeaders?: boolean;
  changedSince?: bigint;
}

/** The metadata of the messages in `range` of the open folder, in one pipelined FETCH. */
export async function fetchMessageMeta(
  client: ImapFlow,
  path: string,
  range: string,
  { byUid = false, matchHeaders = false, changedSince }: MetaQuery,
  context: ErrorContext,
): Promise<ImapMessageMeta[]> {
  const messages: ImapMessageMeta[] = [];
  await imapCall(
    client,
    async () => {
      // For INBOX matching two header fields ride along in the same FETCH: UIDLs made from the message need them.
      const headers = matchHeaders ? { headers: ['x-uidl', 'message-id'] } : {};
      const query = { uid: true, flags: true, internalDate: true, size: true, ...headers };
      const options = { uid: byUid, ...(changedSince === undefined ? {} : { changedSince }) };
      for await (const m of client.fetch(range, query, options)) {
        if (m.size === undefined || m.internalDate === undefined) {
          throw new SourceError(`uid ${m.uid}: server sent no RFC822.SIZE or INTERNALDATE`, context);
        }
        messages.push({
          uid: m.uid,
          flags: [...(m.flags ?? [])],
          internalDateSec: Math.floor(new Date(m.internalDate).getTime() / 1000),
          size: m.size,
          xUidl: headerField(m.headers, 'x-uidl'),
          messageId: headerField(m.headers, 'message-id'),
        });
      }
    },
    `cannot list messages of ${path}`,
    context,
  );
  return messages;
}

/** The whole header block of each given message (BODY.PEEK[HEADER]), in pipelined UID ranges. */
export async function fetchHeaderBlocks(
  client: ImapFlow,
  uids: readonly number[],
  context: ErrorContext,
): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  for (let i = 0; i < uids.length; i += FETCH_RANGE_UIDS) {
    const range = uids.slice(i, i + FETCH_RANGE_UIDS).join(',');
    await imapCall(
      client,
      async () => {
        for await (const m of client.fetch(range, { uid: true, headers: true }, { uid: true }))
          if (m.headers) out.set(m.uid, m.headers);
      },
      'cannot fetch headers',
      context,
    );
  }
  return out;
}

/** The value of one header field in a raw header block (first occurrence, unfolded, trimmed). */
function headerField(headers: Buffer | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(headers.toString('latin1'));
  if (!m) return undefined;
  // The value decoded on its own: a slice of the header text would hold all of it for as long as
  // the folder's snapshot is held (the INBOX's: the whole import).
  const end = m.index + m[0].length;
  const value = headers.toString('latin1', end - (m[1] as string).length, end);
  return value.replace(/\r?\n[ \t]+/g, ' ').trim() || undefined;
}

export async function closeImap(client: ImapFlow): Promise<void> {
  try {
    await client.logout();
  } catch {
    client.close();
  }
}
