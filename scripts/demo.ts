// The README's first command ends here: a local source server with sample mail, imported into a
// demo Maildir owned by a non-root user, then verified. Run through scripts/demo.sh.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleMessages } from './lib/sample-mail.js';
import { seedFolders } from './lib/seed.js';
import { sourceCliArgs } from './lib/source-cli-args.js';
import { startSourceServer } from './lib/source-server.js';
import { DEMO_MAILBOX_USER, ensureSystemUser } from './lib/system-users.js';

const cli = fileURLToPath(new URL('../src/bin/qmail-import.js', import.meta.url));
const USER = 'demo';
const PASSWORD = 'demo-password';
const COUNT = Number(process.env.DEMO_MESSAGES ?? 200);

const server = await startSourceServer({ uidlFormat: '%v.%u' });
let status = 1;
try {
  server.addUser(USER, PASSWORD);
  console.log(
    `source: Dovecot on 127.0.0.1 (IMAPS ${server.imapsPort}, POP3S ${server.pop3sPort}), UIDLs %v.%u; seeding ${COUNT} INBOX messages and two folders for "${USER}"`,
  );
  await seedFolders(server, USER, PASSWORD, [
    { path: 'INBOX', messages: sampleMessages({ count: COUNT, seed: 7 }) },
    { path: 'Sent', messages: sampleMessages({ count: 20, seed: 8 }), subscribed: true },
    { path: 'Archive.2019', messages: sampleMessages({ count: 15, seed: 9 }), subscribed: true },
  ]);

  const owner = ensureSystemUser(DEMO_MAILBOX_USER);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'qmail-import-demo-'));
  fs.chmodSync(home, 0o755);
  fs.chownSync(home, owner.uid, owner.gid);
  const maildir = path.join(home, 'Maildir');
  const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'qmail-import-demo-secret-'));
  const passwordFile = path.join(secrets, 'password');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });

  const common = [
    ...sourceCliArgs(server, 'tls'),
    '--user',
    USER,
    '--password-file',
    passwordFile,
    '--maildir',
    maildir,
  ];
  const run = (args: string[]) => {
    console.log(`\n$ qmail-import ${args.join(' ')}`);
    return spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' }).status;
  };
  const imported = run(['import', '--create', ...common]);
  const verified = run(['verify', '--strict', ...common]);
  fs.rmSync(secrets, { recursive: true, force: true });
  console.log(`\nMaildir: ${maildir} (owner ${DEMO_MAILBOX_USER}); import exit ${imported}, verify exit ${verified}`);
  status = imported === 0 && verified === 0 ? 0 : 1;
  console.log(
    status === 0
      ? 'demo: OK, every source UIDL reproduced in the source order, every folder with its counts and flags'
      : 'demo: FAILED',
  );
} finally {
  await server.stop();
}
process.exit(status);
