import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { sampleMessages, type SampleMessage } from '../../scripts/lib/sample-mail.js';
import { seedMailbox } from '../../scripts/lib/seed.js';
import { sourceServerHandle, type SourceServer } from '../../scripts/lib/source-server.js';
import { DEMO_MAILBOX_USER, ensureSystemUser, type SystemUser } from '../../scripts/lib/system-users.js';

/** The suite's shared source server (started by the global setup). */
export function sharedSource(): SourceServer {
  return sourceServerHandle(inject('sourceServer'));
}

let counter = 0;

/** A fresh source user with the given mail, and an empty destination home owned by a non-root mailbox user. */
export interface Account {
  server: SourceServer;
  user: string;
  password: string;
  passwordFile: string;
  /** The destination Maildir (not created yet: its parent, the home, is). */
  maildir: string;
  owner: SystemUser;
  messages: SampleMessage[];
  /** The CLI options that reach this account over TLS. */
  args: string[];
}

export async function makeAccount(server: SourceServer, messages: SampleMessage[]): Promise<Account> {
  counter += 1;
  const user = `u${process.pid}x${counter}`;
  const password = `pw-${user}`;
  server.addUser(user, password);
  if (messages.length > 0) await seedMailbox(server, user, password, messages);
  const owner = ensureSystemUser(DEMO_MAILBOX_USER);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-home-'));
  fs.chmodSync(home, 0o755);
  fs.chownSync(home, owner.uid, owner.gid);
  const passwordFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-secret-')), 'password');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  // An empty Maildir directory, as vpopmail's vadduser leaves one: import fills it (--create is
  // for a Maildir that does not exist yet).
  const maildir = path.join(home, 'Maildir');
  fs.mkdirSync(maildir, { mode: 0o700 });
  fs.chownSync(maildir, owner.uid, owner.gid);
  const args = [
    '--host',
    server.host,
    '--imap-port',
    String(server.imapsPort),
    '--pop3-port',
    String(server.pop3sPort),
    '--ca-file',
    server.caFile,
    '--user',
    user,
    '--password-file',
    passwordFile,
    '--maildir',
    maildir,
    '--quiet',
  ];
  return { server, user, password, passwordFile, maildir, owner, messages, args };
}

export { sampleMessages };
