import type { Credentials, Endpoint } from '../source/endpoint.js';
import type { UidlMode } from '../uidl/inbox-plan.js';
import type { ContentSample } from '../verify/content.js';

/** Everything one user's import or verify needs, validated by the CLI; plain data, so it can
 *  cross to the unprivileged worker process. */
export interface UserJob {
  /** The source login, also what names this user in every report line and error. */
  user: string;
  password: string;
  maildir: string;
  imap: Endpoint;
  pop3: Endpoint;
  uidl: UidlMode;
  dryRun: boolean;
  quiet: boolean;
  /** verify: the qmail-pop3d binary to run, if any was found. */
  qmailPop3d?: string;
  /** verify: how many messages to compare byte for byte with the source (0: none). */
  content: ContentSample;
}

export function credentialsOf(job: UserJob): Credentials {
  return { user: job.user, password: job.password };
}
