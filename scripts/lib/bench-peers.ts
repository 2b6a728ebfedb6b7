import fs from 'node:fs';
import path from 'node:path';
import { measure, type Outcome, type RunOptions } from './bench-measure.js';
import type { SourceServer } from './source-server.js';
import type { SystemUser } from './system-users.js';

// The peers, configured as a user (mbsync, offlineimap3) or an admin (doveadm) would run them to
// pull one account over IMAP into a Maildir: every folder, Maildir++ where the tool can, each
// tool's default durability (mbsync and offlineimap fsync every message; Dovecot's
// mail_fsync=optimized). Their configs hold the throwaway benchmark password: no other way.

/** A command and how to run it. */
export interface PeerRun {
  argv: string[];
  options: RunOptions;
}

/** Runs a peer (or qmail-import) once under measure(). */
export function runPeer(c: PeerRun): Outcome {
  return measure(c.argv, c.options);
}

export interface Account {
  user: string;
  password: string;
  /** An empty directory owned by the runner: the tool's Maildir (and state) go under it. */
  home: string;
}

/** mbsync's channel for one account, pulling every folder into a Maildir++ tree at home/Maildir. */
function mbsyncChannel(server: SourceServer, a: Account, name: string): string {
  return `IMAPAccount ${name}
Host ${server.host}
Port ${server.imapPort}
User ${a.user}
Pass ${a.password}
SSLType None
AuthMechs LOGIN

IMAPStore ${name}-remote
Account ${name}

MaildirStore ${name}-local
Inbox ${a.home}/Maildir
SubFolders Maildir++

Channel ${name}
Far :${name}-remote:
Near :${name}-local:
Patterns *
Create Near
SyncState *
Sync Pull
`;
}

/**
 * mbsync over `accounts`, one process per account, `parallel` at a time (as a loop over users
 * runs it, or xargs -P: a failed account fails the run).
 */
export function mbsync(
  server: SourceServer,
  accounts: readonly Account[],
  configDir: string,
  as: SystemUser,
  parallel = 1,
): PeerRun {
  const conf = path.join(configDir, 'mbsyncrc');
  fs.writeFileSync(conf, accounts.map((a, i) => mbsyncChannel(server, a, `a${i}`)).join('\n'), { mode: 0o600 });
  fs.chownSync(conf, as.uid, as.gid);
  const names = accounts.map((_, i) => `a${i}`).join(' ');
  return {
    argv: ['sh', '-c', `printf '%s\\n' ${names} | xargs -P ${parallel} -n 1 mbsync -c '${conf}' -q`],
    options: { as, env: { HOME: configDir } },
  };
}

/** offlineimap3, every folder, Maildir with "." between levels. */
export function offlineimap(server: SourceServer, a: Account, as: SystemUser): PeerRun {
  const conf = path.join(a.home, 'offlineimaprc');
  fs.writeFileSync(
    conf,
    `[general]
accounts = A
metadata = ${a.home}/meta

[Account A]
localrepository = L
remoterepository = R

[Repository L]
type = Maildir
localfolders = ${a.home}/Maildir
sep = .

[Repository R]
type = IMAP
remotehost = ${server.host}
remoteport = ${server.imapPort}
remoteuser = ${a.user}
remotepass = ${a.password}
ssl = no
starttls = no
`,
    { mode: 0o600 },
  );
  fs.chownSync(conf, as.uid, as.gid);
  return { argv: ['offlineimap', '-c', conf, '-o', '-u', 'quiet'], options: { as, env: { HOME: a.home } } };
}

/**
 * `doveadm backup -R` from the source over imapc into a Maildir: Dovecot's own IMAP migration.
 * With `pop3`, also the pop3_migration plugin over pop3c, which keeps the source's POP3 UIDLs
 * (in dovecot-uidlist, so for Dovecot targets only). doveadm finds the user through the source
 * server's running auth service (its config is included); only the mail location differs, and
 * the files are written as the source's mail user, which that userdb names.
 */
export function doveadmBackup(server: SourceServer, a: Account, pop3: boolean): PeerRun {
  const conf = path.join(a.home, `doveadm${pop3 ? '-pop3' : ''}.conf`);
  const pop3Settings = `pop3c_host = ${server.host}
pop3c_port = ${server.pop3Port}
pop3c_user = %u
pop3c_password = ${a.password}
pop3c_ssl = no
mail_plugins = $mail_plugins pop3_migration
plugin {
  pop3_migration_mailbox = POP3-MIGRATION-NS/INBOX
}
namespace pop3c {
  prefix = POP3-MIGRATION-NS/
  location = pop3c:
  list = no
  hidden = yes
}
`;
  fs.writeFileSync(
    conf,
    `!include ${server.configFile}
mail_location = maildir:${a.home}/Maildir
imapc_host = ${server.host}
imapc_port = ${server.imapPort}
imapc_user = %u
imapc_password = ${a.password}
imapc_ssl = no
namespace inbox {
  inbox = yes
  separator = .
  prefix =
}
${pop3 ? pop3Settings : ''}`,
    { mode: 0o600 },
  );
  return { argv: ['doveadm', '-c', conf, 'backup', '-R', '-u', a.user, 'imapc:'], options: {} };
}
