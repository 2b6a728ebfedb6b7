import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SystemUser } from '../../scripts/lib/system-users.js';

/**
 * An executable that runs COMMAND as OWNER, passing on its arguments (the Maildir): what
 * qmail-popup and checkpassword do before qmail-pop3d starts. Tests run as root; the POP3 server
 * under test must not (notqmail's qmail-pop3d refuses uid 0, Dovecot refuses root mail access).
 */
export function ownerWrapper(owner: SystemUser, command: string): string {
  return executable(`setpriv --reuid=${owner.uid} --regid=${owner.gid} --init-groups -- ${command}`);
}

/** An executable that runs COMMAND with its arguments; for the CLI, which already runs as the owner. */
export function executable(command: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-wrap-'));
  fs.chmodSync(dir, 0o755);
  const file = path.join(dir, 'pop3d');
  fs.writeFileSync(file, `#!/bin/sh\nexec ${command} "$@"\n`, { mode: 0o755 });
  return file;
}

/**
 * Dovecot's pop3, pre-authenticated on the Maildir given as $1, UIDL = file name (%f). Run
 * pre-authenticated it sends no greeting (its login process would have), so the shell prints
 * qmail-pop3d's "+OK " first; every answer after that is Dovecot's own.
 */
export function dovecotPop3Command(owner: SystemUser): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-dovecot-pop3-'));
  fs.chmodSync(dir, 0o755);
  const conf = path.join(dir, 'pop3.conf');
  fs.writeFileSync(conf, 'protocols = pop3\nssl = no\nlog_path = /dev/null\npop3_uidl_format = %f\n', { mode: 0o644 });
  return `sh -c 'printf "+OK \\r\\n"; exec env USER=${owner.name} HOME=${dir} /usr/lib/dovecot/pop3 -c ${conf} -o mail_location=maildir:"$1"' pop3d`;
}
