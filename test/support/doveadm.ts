import { execFile } from 'node:child_process';
import type { SourceServer } from '../../scripts/lib/source-server.js';

/**
 * Runs doveadm against the test Dovecot's own config (as its admin would on the old server):
 * expunge, save, flags, mailbox delete/rename/update. `input` goes to its stdin (`save` reads
 * the message there).
 */
export function doveadm(server: SourceServer, args: readonly string[], input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('doveadm', ['-c', server.configFile, ...args], (err, stdout, stderr) =>
      err ? reject(new Error(`doveadm ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}
