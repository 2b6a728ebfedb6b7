import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
import { seedFolders } from '../../scripts/lib/seed.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from './accounts.js';
import { runCli } from './cli.js';

/** An account with `inbox` messages and a folder of `folder` more, imported once (exit 0). */
export async function importedAccount(
  seed: number,
  inbox: number,
  folder: { path: string; count: number },
): Promise<Account> {
  const a = await makeAccount(sharedSource(), sampleMessages({ count: inbox, seed }));
  await seedFolders(a.server, a.user, a.password, [
    { path: folder.path, messages: sampleMessages({ count: folder.count, seed: seed + 1 }), subscribed: true },
  ]);
  const r = await runCli(['import', '--create', ...a.args]);
  expect(r.code, r.stderr).toBe(0);
  return a;
}

/** A copy of the imported Maildir beside it, same owner, modes and mtimes (journal and marks too),
 *  and the account's options pointed at it. */
export function copyOf(a: Account, name: string): { maildir: string; args: string[] } {
  const maildir = path.join(path.dirname(a.maildir), name);
  execFileSync('cp', ['-a', a.maildir, maildir]);
  return { maildir, args: a.args.map((x) => (x === a.maildir ? maildir : x)) };
}
