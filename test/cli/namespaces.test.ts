import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFolders } from '../../scripts/lib/seed.js';
import { startSourceServer, type SourceServer } from '../../scripts/lib/source-server.js';
import { makeAccount, sampleMessages } from '../support/accounts.js';
import { runCli } from '../support/cli.js';

/** Message files of one Maildir++ folder. */
function countFiles(dir: string): number {
  return ['new', 'cur'].reduce((n, d) => n + fs.readdirSync(path.join(dir, d)).length, 0);
}

describe('a source with a public (shared) namespace', () => {
  let server: SourceServer;
  beforeAll(async () => {
    server = await startSourceServer({ publicNamespace: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("imports the user's own folders only, names the shared one as skipped; --namespaces all takes it", async () => {
    const a = await makeAccount(server, sampleMessages({ count: 2, seed: 100 }));
    await seedFolders(server, a.user, a.password, [
      { path: 'Work', messages: sampleMessages({ count: 2, seed: 101 }) },
      { path: 'Public.News', messages: sampleMessages({ count: 3, seed: 102 }) },
    ]);
    const r = await runCli(['import', ...a.args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const folders = JSON.parse(r.stdout).users[0].folders as { name: string; toWrite: number; skipped?: string }[];
    expect(folders.map((f) => [f.name, f.skipped === undefined ? f.toWrite : 'skipped'])).toEqual([
      ['Public.News', 'skipped'],
      ['Work', 2],
    ]);
    expect(folders[0]!.skipped).toMatch(/a shared folder \(shared namespace\), not the user's own/);
    expect(fs.existsSync(path.join(a.maildir, '.Public.News'))).toBe(false);
    expect(countFiles(path.join(a.maildir, '.Work'))).toBe(2);
    const v = await runCli(['verify', ...a.args]);
    expect(v.code, v.stderr).toBe(0);

    const all = await runCli(['import', ...a.args, '--namespaces', 'all', '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect(countFiles(path.join(a.maildir, '.Public.News'))).toBe(3);
  });
});
