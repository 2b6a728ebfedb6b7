import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FolderError } from '../../src/errors.js';
import { listLikeQmailPop3d } from '../../src/maildir/pop3d-listing.js';
import { scanMaildir } from '../../src/maildir/scan.js';
import { runQmailPop3d } from '../../src/verify/qmail-pop3d-runner.js';
import { DEMO_MAILBOX_USER, ensureSystemUser } from '../../scripts/lib/system-users.js';
import { dovecotPop3Command, ownerWrapper } from '../support/as-owner.js';
import { snapshotMaildir } from '../support/maildir-tree.js';

const owner = ensureSystemUser(DEMO_MAILBOX_USER);
const NOW = Math.floor(Date.now() / 1000);

/** A small Maildir as qmail would hold it: LF endings, one file per second, owned by the mailbox user. */
function craftMaildir(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-runner-'));
  fs.chmodSync(home, 0o755);
  const maildir = path.join(home, 'Maildir');
  for (const d of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(maildir, d), { recursive: true });
  const files: [string, string, number][] = [
    ['cur/1700000000.3:2,S', 'Subject: third\n\nthree\nlines\n', NOW - 100],
    ['new/1700000000.1', 'Subject: first\n\none\n', NOW - 300],
    ['cur/1700000000.2:2,RS', 'Subject: second\n\n.dot line\n', NOW - 200],
  ];
  for (const [name, body, mtime] of files) {
    fs.writeFileSync(path.join(maildir, name), body, { mode: 0o600 });
    fs.utimesSync(path.join(maildir, name), new Date(), new Date(mtime * 1000));
  }
  execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, home]);
  return maildir;
}

let maildir: string;
beforeEach(() => {
  maildir = craftMaildir();
});

describe('runQmailPop3d against a real POP3 process on stdin/stdout (Dovecot pop3, UIDL %f)', () => {
  it("reads the process's UIDL and LIST answers and ends the session", async () => {
    // Dovecot moves new/ to cur/ and writes index files on its own: it gets a copy.
    const copy = path.join(path.dirname(maildir), 'copy');
    execFileSync('cp', ['-a', maildir, copy]);
    const run = await runQmailPop3d(ownerWrapper(owner, dovecotPop3Command(owner)), copy, { user: 'alice' });
    // Dovecot lists by name with CRLF sizes (qmail-pop3d: by mtime, LF sizes): compare as sets.
    const sizes = new Map(run.list.map((l) => [l.n, l.size]));
    const got = run.uidl.map((u) => [u.uidl, sizes.get(u.n)]).sort();
    const expected = snapshotMaildir(maildir)
      .filter((f) => !f.path.startsWith('tmp/'))
      .map((f) => {
        const body = fs.readFileSync(path.join(maildir, f.path), 'utf8');
        return [f.path.slice(4).split(':')[0], body.length + body.split('\n').length - 1];
      })
      .sort();
    expect(got).toEqual(expected);
  });

  it('reports a process that refuses to start, with what it said on stderr', async () => {
    const refusing = ownerWrapper(owner, `sh -c 'echo "qmail-pop3d invoked as uid 0, terminating" >&2; exit 1'`);
    const err = await runQmailPop3d(refusing, maildir, { user: 'alice' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FolderError);
    expect((err as Error).message).toContain('invoked as uid 0, terminating');
  });

  it('reports a binary that does not exist', async () => {
    await expect(runQmailPop3d('/nonexistent/qmail-pop3d', maildir, {})).rejects.toThrow(
      /cannot run \/nonexistent\/qmail-pop3d: ENOENT/,
    );
  });
});

describe.skipIf(!process.env.QMAIL_POP3D)(
  `runQmailPop3d against $QMAIL_POP3D (${process.env.QMAIL_POP3D ?? 'not set: skipped'})`,
  () => {
    it('lists exactly what the model of its rules says, and leaves the Maildir unchanged', async () => {
      const before = snapshotMaildir(maildir);
      const run = await runQmailPop3d(ownerWrapper(owner, process.env.QMAIL_POP3D as string), maildir, {});
      const model = listLikeQmailPop3d(await scanMaildir(maildir, true, {}), Math.floor(Date.now() / 1000));
      expect(run.uidl).toEqual(model.messages.map((m) => ({ n: m.n, uidl: m.uidl })));
      expect(run.list).toEqual(model.messages.map((m) => ({ n: m.n, size: m.size })));
      expect(snapshotMaildir(maildir)).toEqual(before);
    });
  },
);
