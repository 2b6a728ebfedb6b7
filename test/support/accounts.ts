import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { sampleMessages, type SampleMessage } from '../../scripts/lib/sample-mail.js';
import { seedMailbox } from '../../scripts/lib/seed.js';
import { sourceCliArgs } from '../../scripts/lib/source-cli-args.js';
import {
  sourceServerHandle,
  startSourceServer,
  type SourceServer,
  type SourceServerOptions,
} from '../../scripts/lib/source-server.js';
import { DEMO_MAILBOX_USER, ensureSystemUser, type SystemUser } from '../../scripts/lib/system-users.js';

/** The suite's shared source server (started by the global setup). */
export function sharedSource(): SourceServer {
  return sourceServerHandle(inject('sourceServer'));
}

/** A source server of its own, with OPTIONS, for the tests of the describe block this is called in:
 *  started before them and stopped after. Returns how a test reaches it. */
export function ownSource(options: SourceServerOptions): () => SourceServer {
  let server: SourceServer | undefined;
  beforeAll(async () => {
    server = await startSourceServer(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the source server has not started');
    return server;
  };
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
    ...sourceCliArgs(server, 'tls'),
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

/** The account's CLI options over plain loopback, IMAP and POP3 on the given ports (a proxy's, or the server's own). */
export function plainArgs(a: Account, ports: { imap: number; pop3: number }): string[] {
  const set = (args: string[], option: string, value: string) => {
    const i = args.indexOf(option);
    return i < 0 ? [...args, option, value] : [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
  };
  return set(
    set(set(a.args, '--security', 'none'), '--imap-port', String(ports.imap)),
    '--pop3-port',
    String(ports.pop3),
  );
}

/** Turns the account's (empty) Maildir into a symlink to a real directory beside it, owned by the
 *  mailbox owner; returns the real directory. */
export function symlinkMaildir(a: Account): string {
  const real = path.join(path.dirname(a.maildir), 'real-Maildir');
  fs.mkdirSync(real, { mode: 0o700 });
  fs.chownSync(real, a.owner.uid, a.owner.gid);
  fs.rmdirSync(a.maildir);
  fs.symlinkSync(real, a.maildir);
  return real;
}

export { sampleMessages };
