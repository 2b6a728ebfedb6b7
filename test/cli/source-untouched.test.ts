import { describe, expect, it } from 'vitest';
import type { SampleMessage } from '../../scripts/lib/sample-mail.js';
import { seedFolders } from '../../scripts/lib/seed.js';
import { withSourceImap } from '../../scripts/lib/source-imap.js';
import type { SourceServer } from '../../scripts/lib/source-server.js';
import { makeAccount, ownSource, plainArgs, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli } from '../support/cli.js';
import { deliverToMbox } from '../support/mbox-delivery.js';
import { startImapProxy, startPop3Proxy } from '../support/quirk-proxy.js';

// Neither import nor verify changes the old server: every flag and size the source shows over
// IMAP is the same after each command as before it.

/** An unread message without a final line end: Dovecot's TOP of it disagrees with LIST, so it is read with RETR. */
function noFinalNewline(i: number): SampleMessage {
  return {
    raw: Buffer.from(
      `From: a@old.example\r\nSubject: no final newline ${i}\r\n\r\nlast line ${i} without end${'!'.repeat(i)}`,
    ),
    flags: [],
    internalDate: new Date(Date.UTC(2025, 0, 1, 0, 0, i)),
  };
}

/** Not a flag of the message: which session saw it first (RFC 3501), whoever that was. */
const RECENT = '\\Recent';

/** Every selectable folder's messages as EXAMINE shows them: UID, flags (but \Recent), RFC822.SIZE. */
async function sourceState(a: Account): Promise<Record<string, string[]>> {
  return withSourceImap(a.server, a.user, a.password, async (client) => {
    const out: Record<string, string[]> = {};
    for (const f of await client.list()) {
      await client.mailboxOpen(f.path, { readOnly: true });
      out[f.path] = [];
      if (client.mailbox && client.mailbox.exists > 0)
        for await (const m of client.fetch('1:*', { uid: true, flags: true, size: true }))
          out[f.path]!.push(
            `${m.uid} ${m.size} ${[...(m.flags ?? [])]
              .filter((x) => x !== RECENT)
              .sort()
              .join(' ')}`,
          );
    }
    return out;
  });
}

const MODES = ['auto', 'formula', 'size', 'header', 'pop3', 'off'];

/** Imports with each mode in turn, then verifies --content all (not after --uidl off, which keeps no UIDL), and
 *  checks the source after every command. */
async function expectUntouched(a: Account, modes: readonly string[]) {
  const before = await sourceState(a);
  expect(Object.values(before).flat().length).toBeGreaterThan(0);
  for (const mode of modes) {
    const r = await runCli(['import', ...a.args, '--uidl', mode, '--full', '--create']);
    expect(r.code, `${mode}: ${r.output}`).toBe(0);
    expect(await sourceState(a), `after import --uidl ${mode}`).toEqual(before);
  }
  if (modes.at(-1) === 'off') return;
  const v = await runCli(['verify', ...a.args, '--content', 'all']);
  expect(v.code, v.output).toBe(0);
  expect(v.output).toContain('compared byte for byte');
  expect(await sourceState(a), 'after verify --content all').toEqual(before);
}

describe('the source is left as it was: unread mail stays unread', () => {
  it('a Maildir source: import with every --uidl mode, then verify --content all', async () => {
    const server = sharedSource();
    const a = await makeAccount(server, [
      noFinalNewline(1),
      ...sampleMessages({ count: 3, seed: 701 }),
      noFinalNewline(2),
    ]);
    await seedFolders(server, a.user, a.password, [{ path: 'Work', messages: [noFinalNewline(3)] }]);
    // Each mode into a Maildir of its own: a run after another writes nothing and reads little.
    for (const mode of MODES) {
      const b = { ...a, args: a.args.map((x) => (x === a.maildir ? `${a.maildir}-${mode}` : x)) };
      await expectUntouched(b, [mode]);
    }
  });

  describe('an mbox source', () => {
    const source = ownSource({ mbox: true });
    it('import with --uidl pop3 and auto, then verify --content all, every message read with RETR', async () => {
      const server = source();
      const a = await makeAccount(server, []);
      const mbox = server.mboxInboxOf(a.user);
      deliverToMbox(mbox, sampleMessages({ count: 3, seed: 702 }));
      // The first IMAP session writes the server's own headers (X-UID) into a delivered mbox:
      // that is the server's doing, before any command of ours runs.
      await sourceState(a);
      // Every message read with RETR: this server's TOP carries one more empty line than LIST counts.
      const pop3 = await startPop3Proxy(server.pop3Port, {
        rewrite: (command, lines) => (/^TOP \d+ 999999999$/.test(command) ? [...lines, ''] : lines),
      });
      try {
        await expectUntouched({ ...a, args: plainArgs(a, { imap: server.imapPort, pop3: pop3.port }) }, [
          'pop3',
          'auto',
        ]);
      } finally {
        await pop3.close();
      }
    });
  });
});

describe('verify reads an mbox INBOX over IMAP only once its POP3 session has ended', () => {
  const source = ownSource({ mbox: true, mboxLockTimeoutSec: 2 });

  it('no folder is "not compared" because the POP3 session held the mbox lock', async () => {
    const server: SourceServer = source();
    const a = await makeAccount(server, []);
    deliverToMbox(server.mboxInboxOf(a.user), sampleMessages({ count: 3, seed: 703 }));
    await seedFolders(server, a.user, a.password, [
      { path: 'Work', messages: sampleMessages({ count: 2, seed: 704 }) },
    ]);
    const first = await runCli(['import', ...a.args]);
    expect(first.code, first.output).toBe(0);
    // New mail: the next IMAP session must write its X-UID into the mbox, which needs the lock a
    // POP3 session holds for as long as it is open.
    deliverToMbox(server.mboxInboxOf(a.user), sampleMessages({ count: 1, seed: 705 }));

    // The POP3 session is held open until an EXAMINE was answered, and EXAMINE waits for its login:
    // an IMAP read of the INBOX side by side with POP3 would meet the lock every time.
    let loggedIn!: () => void;
    const pop3In = new Promise<void>((r) => (loggedIn = r));
    let examined!: () => void;
    const examineAnswered = new Promise<void>((r) => (examined = r));
    const pop3 = await startPop3Proxy(server.pop3Port, { loggedIn, holdQuit: examineAnswered });
    const imap = await startImapProxy(
      server.imapPort,
      (text) => {
        if (/^\S+ (?:OK|NO|BAD) .*(?:Examine|lock)/im.test(text)) examined();
        return text;
      },
      { holdExamine: pop3In },
    );
    try {
      const args = plainArgs(a, { imap: imap.port, pop3: pop3.port });
      const v = await runCli(['verify', ...args, '--content', 'all', '--json']);
      const doc = JSON.parse(v.stdout).users[0];
      expect(doc.folders.filter((f: { error?: string }) => f.error !== undefined)).toEqual([]);
      expect(v.output).not.toMatch(/not compared: /);
      // The one real difference: the message delivered after the import is not here yet.
      expect(doc.diff.missing).toHaveLength(1);
      expect(v.code).toBe(1);
    } finally {
      await Promise.all([pop3.close(), imap.close()]);
    }
  });
});
