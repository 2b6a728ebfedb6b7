import type { Credentials, Endpoint } from './source/endpoint.js';
import type { UidlMode } from './uidl/mode.js';
import type { ImapServerChoice } from './maildir/imap-server.js';
import type { MaildirWriter } from './maildir/layout.js';
import type { SourceFolder } from './source/imap.js';
import type { ContentSample } from './verify/content.js';
import type { RestoreRequest } from './plan/restore.js';

/** Everything one user's import or verify needs, validated by the CLI; plain data, so it can
 *  cross to the unprivileged worker process. */
export interface UserJob {
  /** The source login, also what names this user in every report line and error. */
  user: string;
  /** The user's password, or with `admin` the admin's. */
  password: string;
  /** Admin login: log in as this admin on behalf of `user` (SASL PLAIN authzid). */
  admin?: string;
  /** POP3: log in with APOP where the greeting offers it. */
  apop: boolean;
  maildir: string;
  /** --allow-symlinked-maildir: the Maildir path itself may be a symlink (resolved once, before
   *  anything is opened); a symlink inside it is still refused. */
  maildirLinkOk: boolean;
  imap: Endpoint;
  pop3: Endpoint;
  uidl: UidlMode;
  /** import: every folder, or the INBOX alone. */
  folders: 'all' | 'inbox';
  /** import: only folders other than INBOX whose name matches (--include), and none that match --exclude. */
  include?: string;
  exclude?: string;
  /** import and verify: the personal namespace alone, or also other users' and shared folders (--namespaces). */
  namespaces: 'personal' | 'all';
  dryRun: boolean;
  /** import: remove files we imported whose message the source no longer has (--delete). */
  deleteGone: boolean;
  /** import: read every folder, even one whose STATUS matches the last complete run's (--full). */
  full: boolean;
  /** import: --restore: messages deleted here since the import to bring back (never the default). */
  restore?: readonly RestoreRequest[];
  /** import: --max-size in bytes: a message the source announces bigger is not written, but reported. */
  maxSize?: number;
  quiet: boolean;
  /** verify: the qmail-pop3d binary to run, if any was found. */
  qmailPop3d?: string;
  /** verify: Courier-IMAP's imapd as the admin named it (--courier-imapd, $COURIER_IMAPD). */
  courierImapd?: string;
  /** verify: how many messages to compare byte for byte with the source (0: none). */
  content: ContentSample;
  /** The box's IMAP server (import: whose UID lists are written; verify: which is run), or auto. */
  imapServer: ImapServerChoice;
  /** verify: the exact comparison, with no allowance for mail delivered or deleted here since the import. */
  strict: boolean;
  /** import: create the Maildir when it does not exist (otherwise a missing Maildir is an error). */
  createMaildir: boolean;
  /** Started as root: the mailbox owner the work runs as (check: would write as), whom errors
   *  about permissions name; absent when it runs as whoever started it. */
  owner?: MaildirWriter;
  /** check as root: why the import would run as no owner here (a root-owned Maildir, no home). */
  ownerRefused?: string;
}

/** A job without its user: what every account of a batch shares. */
export type SharedJob = Omit<UserJob, 'user' | 'password' | 'maildir'>;

/** Whether a folder other than INBOX is part of the job (--folders, --include, --exclude). */
export function folderWanted(job: UserJob, folderPath: string): boolean {
  if (job.folders !== 'all') return false;
  if (job.include !== undefined && !new RegExp(job.include, 'u').test(folderPath)) return false;
  return job.exclude === undefined || !new RegExp(job.exclude, 'u').test(folderPath);
}

/** Why a folder outside the personal namespace is left out, or undefined when it is taken. */
export function outsideNamespaces(job: UserJob, folder: SourceFolder): string | undefined {
  if (job.namespaces === 'all' || folder.namespace === 'personal') return undefined;
  const whose = folder.namespace === 'other' ? "another user's folder" : 'a shared folder';
  return `${whose} (${folder.namespace} namespace), not the user's own: skipped (--namespaces all takes it)`;
}

export function credentialsOf(job: UserJob): Credentials {
  return job.admin
    ? { user: job.admin, password: job.password, authzid: job.user }
    : { user: job.user, password: job.password, apop: job.apop };
}
