import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleMessage } from '../../scripts/lib/sample-mail.js';
import { startSourceServer, type SourceServer } from '../../scripts/lib/source-server.js';
import { makeAccount, sampleMessages } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { inboxFiles, sourceBytesByUid } from '../support/inbox-bytes.js';
import { deliverToMbox } from '../support/mbox-delivery.js';
import { sourcePop3Listing } from '../support/source-listing.js';

/** A message whose header is byte for byte that of its twins; only the body tells them apart. */
function twin(body: string): SampleMessage {
  const head =
    'From: list@old.example\r\nTo: someone@old.example\r\nSubject: weekly digest\r\n' +
    'Date: Mon, 5 Jan 2026 08:00:00 +0000\r\n\r\n';
  return { raw: Buffer.from(head + body), flags: [], internalDate: new Date('2026-01-05T08:00:00Z') };
}

describe('an mbox source whose UIDLs are a header MD5 (%m): header-identical messages share one UIDL', () => {
  let server: SourceServer;
  beforeAll(async () => {
    server = await startSourceServer({ uidlFormat: '%m', mbox: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('writes each message once under a name of its own, the first under the shared UIDL, and a re-run writes nothing', async () => {
    const normal = sampleMessages({ count: 4, seed: 316 });
    const twins = [twin('first body\r\n'), twin('second body, longer\r\nFrom here on quoted\r\n'), twin('third\r\n')];
    const a = await makeAccount(server, []);
    deliverToMbox(server.mboxInboxOf(a.user), [...normal.slice(0, 2), ...twins, ...normal.slice(2)]);

    // The source gives the three twins one UIDL (the MD5 of their header), the rest their own.
    const uidls = (await sourcePop3Listing(a)).uidl.map((u) => u.uidl);
    const shared = uidls[2] as string;
    expect(uidls.slice(3, 5)).toEqual([shared, shared]);
    expect(new Set(uidls).size).toBe(5);
    const source = [...(await sourceBytesByUid(a)).values()];
    expect(source).toHaveLength(7);

    const first = await runCli(['import', ...a.args, '--json']);
    // Two of the twins cannot keep their UIDL: POP3 clients will download them again.
    expect(first.code, first.stderr).toBe(1);
    const inbox = JSON.parse(first.stdout).users[0].inbox;
    expect(inbox).toMatchObject({ written: 7, pop3: { uidlsKept: 5, sharedUidls: 3 } });
    expect(inbox.pop3.downloadAgain.map((d: { uidl: string }) => d.uidl)).toEqual([shared, shared]);
    expect(first.stderr).toContain('3 source messages share a UIDL');

    // Each source message exactly once, with its bytes: the first twin under the shared UIDL,
    // the other two under names of their own, every other message under its UIDL.
    const files = inboxFiles(a.maildir);
    expect(files.size).toBe(7);
    const nameOf = (bytes: Buffer) => [...files].filter(([, b]) => b.equals(bytes)).map(([name]) => name);
    const names = source.map((bytes, i) => {
      const found = nameOf(bytes);
      expect(found, `source message ${i + 1}`).toHaveLength(1);
      return found[0] as string;
    });
    expect(names.filter((_, i) => i < 3 || i > 4)).toEqual(uidls.filter((_, i) => i < 3 || i > 4));
    expect(names[3]).not.toBe(shared);
    expect(names[4]).not.toBe(shared);
    expect(files.get(shared)?.toString()).toContain('first body');
    expect(files.get(names[3] as string)?.toString()).toContain('>From here on quoted');

    // verify counts the shared UIDL once and names the two twins that cannot keep it.
    const v = await runCli(['verify', ...a.args, '--json']);
    expect(v.code, v.stderr).toBe(1);
    const diff = JSON.parse(v.stdout).users[0].diff;
    expect(diff.matched).toBe(5);
    expect(diff.sharedUidl.map((m: { n: number }) => m.n)).toEqual([4, 5]);
    expect(diff.extra.map((m: { uidl: string }) => m.uidl).sort()).toEqual([names[3], names[4]].sort());
    expect([diff.missing, diff.reordered, diff.sizeDiffers]).toEqual([[], [], []]);
    expect(v.stderr).toContain('5 of 5 source UIDLs found (7 messages)');

    // A re-run, and a full one, write nothing: every twin is recognised under the name it got.
    for (const extra of [[], ['--full']]) {
      const again = await runCli(['import', ...a.args, ...extra, '--json']);
      expect(again.code, again.stderr).toBe(1);
      expect(JSON.parse(again.stdout).users[0].inbox).toMatchObject({
        written: 0,
        alreadyPresent: 7,
        pop3: { sharedUidls: 3 },
      });
      expect(inboxFiles(a.maildir)).toEqual(files);
    }
  });
});
