// Measures qmail-import against its peers in one run, on one machine, on the same mailbox
// (run through scripts/benchmark.sh). Prints times and ratios; asserts nothing.
//   BENCH_MESSAGES  messages for the import comparison (default 10000, about 400 MB)
//   BENCH_VERIFY    messages for the verify benchmark (default 100000, small ones)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMaildirFiles } from './lib/bulk-maildir.js';
import { sampleMessages } from './lib/sample-mail.js';
import { startSourceServer, type SourceServer } from './lib/source-server.js';
import { DEMO_MAILBOX_USER, ensureSystemUser, SOURCE_MAIL_USER } from './lib/system-users.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const IMPORT_COUNT = Number(process.env.BENCH_MESSAGES ?? 10_000);
const VERIFY_COUNT = Number(process.env.BENCH_VERIFY ?? 100_000);
const PASSWORD = 'bench-password';
const owner = ensureSystemUser(DEMO_MAILBOX_USER);
const srcOwner = ensureSystemUser(SOURCE_MAIL_USER);

function seconds(run: () => void): number {
  const t = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.toString().slice(-800)}`);
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function freshHome(tag: string): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `qi-bench-${tag}-`));
  fs.chmodSync(home, 0o755);
  fs.chownSync(home, owner.uid, owner.gid);
  return home;
}

function seed(server: SourceServer, user: string, count: number, sizes?: number[]): void {
  server.addUser(user, PASSWORD);
  writeMaildirFiles(server.maildirOf(user), sampleMessages({ count, seed: 5, ...(sizes ? { sizes } : {}) }), srcOwner);
  // The first login indexes the mailbox; do it here so no contender pays for it.
  sh('doveadm', ['-c', server.configFile, 'mailbox', 'status', '-u', user, 'messages', 'INBOX']);
}

function qmailImportArgs(server: SourceServer, user: string, maildir: string, passwordFile: string): string[] {
  return [
    '--host',
    server.host,
    '--imap-port',
    String(server.imapPort),
    '--pop3-port',
    String(server.pop3Port),
    '--security',
    'none',
    '--user',
    user,
    '--password-file',
    passwordFile,
    '--maildir',
    maildir,
    '--quiet',
  ];
}

const server = await startSourceServer({ uidlFormat: '%v.%u' });
const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-bench-secret-'));
const passwordFile = path.join(secrets, 'pw');
fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
const rows: [string, number][] = [];
try {
  console.log(
    `import: ${IMPORT_COUNT} messages (INBOX), Dovecot on 127.0.0.1, clear text, each tool into an empty Maildir`,
  );
  seed(server, 'bench', IMPORT_COUNT);

  rows.push([
    'qmail-import import',
    seconds(() =>
      sh(process.execPath, [
        cli,
        'import',
        ...qmailImportArgs(server, 'bench', path.join(freshHome('qi'), 'Maildir'), passwordFile),
      ]),
    ),
  ]);
  if (has('mbsync')) {
    const home = freshHome('mbsync');
    const conf = path.join(secrets, 'mbsyncrc');
    fs.writeFileSync(
      conf,
      `IMAPAccount src\nHost ${server.host}\nPort ${server.imapPort}\nUser bench\nPass ${PASSWORD}\nSSLType None\nAuthMechs LOGIN\n\nIMAPStore remote\nAccount src\n\nMaildirStore local\nPath ${home}/\nInbox ${home}/Maildir\n\nChannel c\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSyncState *\nSync Pull\n`,
    );
    rows.push(['mbsync (isync)', seconds(() => sh('mbsync', ['-c', conf, '-q', 'c']))]);
  }
  if (has('offlineimap')) {
    const home = freshHome('offlineimap');
    const conf = path.join(secrets, 'offlineimaprc');
    fs.writeFileSync(
      conf,
      `[general]\naccounts = A\nmetadata = ${home}/meta\n\n[Account A]\nlocalrepository = L\nremoterepository = R\n\n[Repository L]\ntype = Maildir\nlocalfolders = ${home}/mail\n\n[Repository R]\ntype = IMAP\nremotehost = ${server.host}\nremoteport = ${server.imapPort}\nremoteuser = bench\nremotepass = ${PASSWORD}\nssl = no\nstarttls = no\nfolderfilter = lambda f: f == 'INBOX'\n`,
    );
    rows.push(['offlineimap3', seconds(() => sh('offlineimap', ['-c', conf, '-o', '-u', 'quiet']))]);
  }
  {
    const home = freshHome('dsync');
    fs.chownSync(home, srcOwner.uid, srcOwner.gid);
    rows.push([
      'doveadm backup (dsync, local storage)',
      seconds(() => sh('doveadm', ['-c', server.configFile, 'backup', '-u', 'bench', `maildir:${home}/Maildir`])),
    ]);
  }
  const ours = rows[0]?.[1] as number;
  for (const [name, s] of rows)
    console.log(`  ${name.padEnd(40)} ${s.toFixed(2).padStart(8)} s   ${(s / ours).toFixed(2)}x qmail-import`);

  console.log(`\nverify: ${VERIFY_COUNT} small messages`);
  seed(server, 'many', VERIFY_COUNT, [600, 900, 1200]);
  const maildir = path.join(freshHome('verify'), 'Maildir');
  const importS = seconds(() =>
    sh(process.execPath, [cli, 'import', ...qmailImportArgs(server, 'many', maildir, passwordFile)]),
  );
  console.log(`  qmail-import import (setup)              ${importS.toFixed(2).padStart(8)} s`);
  const verifyS = seconds(() =>
    sh(process.execPath, [cli, 'verify', ...qmailImportArgs(server, 'many', maildir, passwordFile)]),
  );
  console.log(`  qmail-import verify                      ${verifyS.toFixed(2).padStart(8)} s`);
  const pop3d = process.env.QMAIL_POP3D;
  if (pop3d) {
    const uidlOnly = seconds(() =>
      execFileSync(
        'setpriv',
        ['--reuid', String(owner.uid), '--regid', String(owner.gid), '--init-groups', '--', pop3d, maildir],
        { input: 'UIDL\r\n', cwd: path.dirname(maildir) },
      ),
    );
    console.log(
      `  qmail-pop3d UIDL alone (${pop3d})   ${uidlOnly.toFixed(2).padStart(8)} s   verify is ${(verifyS / uidlOnly).toFixed(2)}x that`,
    );
  } else {
    console.log(
      '  qmail-pop3d UIDL alone: no $QMAIL_POP3D on this machine; not measured (verify used its modelled listing)',
    );
  }
} finally {
  await server.stop();
  fs.rmSync(secrets, { recursive: true, force: true });
}
