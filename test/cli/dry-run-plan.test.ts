import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedFolders } from '../../scripts/lib/seed.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { snapshotAllFolders } from '../support/maildir-tree.js';

interface PlanMessage {
  dir: string;
  file: string;
  action: string;
}

/** An account with keywords and unseen mail in the INBOX and in a folder. */
async function accountWithKeywords(seed: number): Promise<Account> {
  const [a, b, c, d] = sampleMessages({ count: 4, seed });
  const account = await makeAccount(sharedSource(), [
    { ...a!, flags: ['\\Seen', '$Label1', 'Work'] },
    { ...b!, flags: [] },
    { ...c!, flags: ['$Forwarded'] },
  ]);
  await seedFolders(sharedSource(), account.user, account.password, [
    { path: 'Archive', messages: [{ ...d!, flags: ['Work'] }] },
  ]);
  return account;
}

/** Every message file the plan says the run leaves, by folder ("INBOX", ".Archive"). */
function plannedFiles(report: {
  inbox: { plan: { messages: PlanMessage[] } };
  folders: { dir: string; plan: { messages: PlanMessage[] } }[];
}): Record<string, string[]> {
  const files = (messages: PlanMessage[]) => messages.map((m) => `${m.dir}/${m.file}`).sort();
  return {
    INBOX: files(report.inbox.plan.messages),
    ...Object.fromEntries(report.folders.map((f) => [f.dir, files(f.plan.messages)])),
  };
}

describe('--dry-run shows the names the real run gives', () => {
  it.each(['dovecot', 'courier'])(
    "with %s on the box: keyword letters and the cur/ rule are in the plan's names",
    async (server) => {
      const a = await accountWithKeywords(server === 'dovecot' ? 261 : 262);
      const dry = await runCli(['import', ...a.args, '--imap-server', server, '--dry-run', '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      const planned = plannedFiles(JSON.parse(dry.stdout).users[0]);

      const run = await runCli(['import', ...a.args, '--imap-server', server]);
      expect(run.code, run.stderr).toBe(0);
      const onDisk = Object.fromEntries(
        Object.entries(snapshotAllFolders(a.maildir)).map(([folder, entries]) => [
          folder,
          entries.map((e) => e.path).sort(),
        ]),
      );
      expect(onDisk).toEqual(planned);
      if (server === 'dovecot') {
        // The keywords are letters from the first run on, and the plan said which.
        expect(planned.INBOX!.some((f) => /^cur\/.*:2,[A-Z]*[a-z]+$/.test(f))).toBe(true);
        expect(fs.readFileSync(path.join(a.maildir, 'dovecot-keywords'), 'utf8')).toMatch(/^0 \$Label1\n1 Work\n/);
      } else {
        expect(
          Object.values(planned)
            .flat()
            .every((f) => f.startsWith('cur/')),
        ).toBe(true);
      }
    },
  );

  it('--max-size: what it calls gone from the source is what the real run calls so', async () => {
    const [small, big] = sampleMessages({ count: 2, seed: 263 });
    const padded = Buffer.concat([big!.raw, Buffer.from(`${'x'.repeat(76)}\r\n`.repeat(300))]);
    const a = await makeAccount(sharedSource(), [small!, { ...big!, raw: padded }]);
    expect((await runCli(['import', ...a.args])).code).toBe(0);
    // The source loses the small message and renumbers the INBOX: both our files are earlier files now.
    const src = a.server.maildirOf(a.user);
    const files = ['new', 'cur'].flatMap((d) => fs.readdirSync(path.join(src, d)).map((f) => path.join(src, d, f)));
    const smallFile = files.find((f) => fs.statSync(f).size < 10_000) as string;
    fs.unlinkSync(smallFile);
    for (const f of fs.readdirSync(src)) if (f.startsWith('dovecot')) fs.rmSync(path.join(src, f), { force: true });
    await new Promise((r) => setTimeout(r, 1100));

    const args = ['import', ...a.args, '--max-size', '10K', '--json'];
    const dry = await runCli([...args, '--dry-run']);
    const real = await runCli(args);
    expect([dry.code, real.code], dry.stderr + real.stderr).toEqual([0, 0]);
    const gone = (r: { stdout: string }) => JSON.parse(r.stdout).users[0].inbox.history.goneFromSource;
    expect(gone(real)).toHaveLength(1);
    expect(gone(dry)).toEqual(gone(real));
  });
});
