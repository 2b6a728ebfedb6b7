import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listLikeQmailPop3d, type Pop3dMessage } from '../../src/maildir/pop3d-listing.js';
import { scanMaildir } from '../../src/maildir/scan.js';
import { seedMailbox } from '../../scripts/lib/seed.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { snapshotMaildir } from '../support/maildir-tree.js';

/** Each defect is injected into a fresh copy of one imported Maildir; verify must name it and change nothing. */
interface Defect {
  name: string;
  inject(maildir: string, listed: Pop3dMessage[], a: Account): Promise<string> | string;
  /** What the JSON report must hold, given what inject returned. */
  expectInReport(report: VerifyJson, detail: string): void;
}

interface VerifyJson {
  listedBy: string;
  diff: {
    missing: { uidl: string }[];
    extra: { uidl: string }[];
    reordered: { uidl: string }[];
    sizeDiffers: { uidl: string }[];
  };
  equalMtimes: string[][];
  futureMtimes: string[];
  badPermissions: { file: string }[];
}

const fileOf = (maildir: string, m: Pop3dMessage) => path.join(maildir, m.entry.dir, m.entry.name);
const setMtime = (file: string, sec: number) => fs.utimesSync(file, new Date(), new Date(sec * 1000));

const DEFECTS: Defect[] = [
  {
    name: 'a file removed',
    inject: (d, l) => (fs.unlinkSync(fileOf(d, l[5]!)), l[5]!.uidl),
    expectInReport: (r, uidl) => expect(r.diff.missing.map((m) => m.uidl)).toEqual([uidl]),
  },
  {
    name: 'an extra file',
    inject: (d, l) => {
      const file = path.join(d, 'new', 'stray-local-message');
      fs.writeFileSync(file, 'Subject: stray\n\nhi\n', { mode: 0o600 });
      fs.chownSync(file, fs.statSync(d).uid, fs.statSync(d).gid);
      setMtime(file, l[l.length - 1]!.entry.mtimeSec + 5);
      return 'stray-local-message';
    },
    expectInReport: (r, uidl) => expect(r.diff.extra.map((m) => m.uidl)).toEqual([uidl]),
  },
  {
    name: 'two mtimes swapped',
    inject: (d, l) => {
      setMtime(fileOf(d, l[3]!), l[8]!.entry.mtimeSec);
      setMtime(fileOf(d, l[8]!), l[3]!.entry.mtimeSec);
      return l[3]!.uidl;
    },
    expectInReport: (r, uidl) => expect(r.diff.reordered.map((m) => m.uidl)).toContain(uidl),
  },
  {
    name: 'two mtimes made equal',
    inject: (d, l) => (setMtime(fileOf(d, l[7]!), l[6]!.entry.mtimeSec), `${l[6]!.uidl} ${l[7]!.uidl}`),
    expectInReport: (r, pair) =>
      expect(r.equalMtimes.map((g) => [...g].sort().join(' '))).toContain(pair.split(' ').sort().join(' ')),
  },
  {
    name: 'an mtime in the future',
    inject: (d, l) => (setMtime(fileOf(d, l[2]!), Math.floor(Date.now() / 1000) + 3600), l[2]!.uidl),
    expectInReport: (r, uidl) => {
      expect(r.futureMtimes.some((f) => f.includes(uidl))).toBe(true);
      expect(r.diff.missing.map((m) => m.uidl)).toContain(uidl);
    },
  },
  {
    name: 'a file truncated by one byte',
    inject: (d, l) => {
      const file = fileOf(d, l[4]!);
      const mtime = l[4]!.entry.mtimeSec;
      fs.truncateSync(file, fs.statSync(file).size - 1);
      setMtime(file, mtime);
      return l[4]!.uidl;
    },
    expectInReport: (r, uidl) => expect(r.diff.sizeDiffers.map((m) => m.uidl)).toEqual([uidl]),
  },
  {
    name: 'a file owned by root',
    inject: (d, l) => (fs.chownSync(fileOf(d, l[1]!), 0, 0), `${l[1]!.entry.dir}/${l[1]!.entry.name}`),
    expectInReport: (r, file) => expect(r.badPermissions.map((p) => p.file)).toEqual([file]),
  },
  {
    name: 'a file readable by others',
    inject: (d, l) => (fs.chmodSync(fileOf(d, l[9]!), 0o644), `${l[9]!.entry.dir}/${l[9]!.entry.name}`),
    expectInReport: (r, file) => expect(r.badPermissions.map((p) => p.file)).toEqual([file]),
  },
  {
    name: 'a message delivered on the source after the import',
    inject: async (_d, _l, a) => {
      await seedMailbox(a.server, a.user, a.password, sampleMessages({ count: 1, seed: 99 }));
      return 'new';
    },
    expectInReport: (r) => expect(r.diff.missing).toHaveLength(1),
  },
];

// Without a qmail-pop3d the listing is modelled; with $QMAIL_POP3D the same cases run through it too.
const LISTERS = [undefined, ...(process.env.QMAIL_POP3D ? [process.env.QMAIL_POP3D] : [])];

describe.each(LISTERS)('verify --strict finds injected defects (qmail-pop3d: %s)', (binary) => {
  let imported: Account;
  let copies = 0;

  beforeAll(async () => {
    imported = await makeAccount(sharedSource(), sampleMessages({ count: 30, seed: 31 }));
    const r = await runCli(['import', '--create', ...imported.args]);
    expect(r.code).toBe(0);
  });

  it.each(DEFECTS)('$name: exit 1, named in the report, Maildir unchanged by verify', async (defect) => {
    // The source-side defect changes the source, so it gets an account of its own.
    const a = defect.name.includes('source') ? await importedAccount() : imported;
    copies += 1;
    const copy = path.join(path.dirname(a.maildir), `Maildir-defect-${copies}`);
    execFileSync('cp', ['-a', a.maildir, copy]);
    const listed = listLikeQmailPop3d(await scanMaildir(copy, true, {}), Math.floor(Date.now() / 1000)).messages;
    const detail = await defect.inject(copy, listed, a);
    const before = snapshotMaildir(copy);
    const args = a.args.map((x) => (x === a.maildir ? copy : x));
    const v = await runCli(['verify', ...args, '--strict', '--json', ...(binary ? ['--qmail-pop3d', binary] : [])]);
    expect(v.code, v.stderr).toBe(1);
    expect(v.stderr).toContain('MISMATCH');
    const report = JSON.parse(v.stdout).users[0] as VerifyJson;
    expect(report.listedBy).toBe(binary ? `qmail-pop3d ${binary}` : 'model');
    defect.expectInReport(report, detail);
    expect(snapshotMaildir(copy)).toEqual(before);
  });
});

async function importedAccount(): Promise<Account> {
  const a = await makeAccount(sharedSource(), sampleMessages({ count: 5, seed: 32 }));
  expect((await runCli(['import', '--create', ...a.args])).code).toBe(0);
  return a;
}
