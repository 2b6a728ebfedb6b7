import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DOWNLOAD_CHUNK_BYTES } from '../../src/limits.js';
import { makeAccount, sampleMessages, sharedSource, type Account } from '../support/accounts.js';
import { runCli, type CliResult } from '../support/cli.js';
import { faultOutcome } from '../support/fault-outcome.js';
import { uidListsOf } from '../support/maildir-tree.js';
import { startProxy, type Fault, type Proxy } from '../support/proxy.js';

// Dropped, short and stalled connections (docs/faults.md): a proxy in front of the real Dovecot
// breaks one answer at a chosen point. Each run must end by itself with a clear error naming the
// server and the step, leave only complete messages, and a re-run must finish exactly.

/** Seconds a stalled server is given: short, so a stall ends the run soon, not in 120 s. */
// Long enough that a loaded machine does not stall where the fault is not: a stall must be the fault's.
const TIMEOUT_SEC = '5';
/** Over INLINE_FETCH_MAX_BYTES: streamed in download chunks. */
const BIG_BYTES = 6_000_000;
/** The server's answer to the big message's second download chunk, up to its literal. */
const SECOND_CHUNK = new RegExp(`BODY\\[\\]<${DOWNLOAD_CHUNK_BYTES}> `);

const proxies: Proxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

async function account(): Promise<Account> {
  const messages = sampleMessages({ count: 5, seed: 18 });
  const [big] = sampleMessages({ count: 1, seed: 19, sizes: [BIG_BYTES] });
  messages.splice(2, 0, big!);
  const a = await makeAccount(sharedSource(), messages);
  // Nothing there yet: a run that fails before its first write must create nothing either.
  fs.rmSync(a.maildir, { recursive: true });
  return a;
}

/** The account's options, with IMAP and/or POP3 reached through a proxy with `fault`. */
async function faultyArgs(
  a: Account,
  where: 'imap' | 'pop3',
  fault: Fault,
  security: 'none' | 'starttls' | 'tls' = 'none',
): Promise<string[]> {
  const tls = security === 'tls';
  const ports = {
    imap: tls ? a.server.imapsPort : a.server.imapPort,
    pop3: tls ? a.server.pop3sPort : a.server.pop3Port,
  };
  const proxy = await startProxy(ports[where], fault);
  proxies.push(proxy);
  ports[where] = proxy.port;
  const args = ['--host', a.server.host, '--imap-port', String(ports.imap), '--pop3-port', String(ports.pop3)];
  args.push('--security', security, '--ca-file', a.server.caFile, '--timeout', TIMEOUT_SEC);
  args.push('--user', a.user, '--password-file', a.passwordFile, '--maildir', a.maildir, '--create', '--quiet');
  return args;
}

/** After the fault: only whole messages; then a run without the fault completes exactly. */
async function expectCleanRerun(a: Account, first: CliResult, extra: string[] = []): Promise<void> {
  const after = faultOutcome(a);
  expect(after.partial).toBe(0);
  expect(after.duplicated).toBe(0);
  expect(after.inTmp).toBe(0);
  expect(first.output).not.toContain(a.password);
  const again = await runCli(['import', '--create', ...a.args, ...extra]);
  expect(again.output).toContain(`imported`);
  expect(again.code).toBe(0);
  expect(faultOutcome(a)).toEqual({ stored: a.messages.length, lost: 0, duplicated: 0, partial: 0, inTmp: 0 });
}

describe('dropped, short and stalled connections', () => {
  it('an IMAP greeting that never comes: exit 3 naming the server, nothing created', async () => {
    const a = await account();
    const run = await runCli(['import', ...(await faultyArgs(a, 'imap', { action: 'stall' }))]);
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/imap 127\.0\.0\.1:\d+: cannot connect: stalled: no answer within 5 s/);
    expect(fs.existsSync(a.maildir)).toBe(false);
    await expectCleanRerun(a, run);
  });

  it('an IMAP TLS handshake that stalls: exit 3, named as a stall of the handshake, nothing created', async () => {
    const a = await account();
    const run = await runCli(['import', ...(await faultyArgs(a, 'imap', { action: 'stall' }, 'tls'))]);
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/imap 127\.0\.0\.1:\d+: cannot connect: stalled: no TLS handshake within 5 s/);
    expect(fs.existsSync(a.maildir)).toBe(false);
    await expectCleanRerun(a, run);
  });

  it('an IMAP STARTTLS handshake that stalls ends after --timeout, named as the STARTTLS handshake', async () => {
    const a = await account();
    const fault: Fault = { afterClient: /STARTTLS\r\n/, afterServer: /OK[^\n]*\n/, action: 'stall' };
    const run = await runCli(['import', ...(await faultyArgs(a, 'imap', fault, 'starttls'))]);
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/imap 127\.0\.0\.1:\d+: STARTTLS: cannot connect: stalled: no TLS handshake within 5 s/);
    expect(fs.existsSync(a.maildir)).toBe(false);
    expect(run.output).not.toContain(a.password);
    // The same upgrade with nothing in the way: the whole import, over STARTTLS and STLS.
    const again = await runCli([
      'import',
      ...['--host', a.server.host, '--security', 'starttls', '--ca-file', a.server.caFile],
      ...['--imap-port', String(a.server.imapPort), '--pop3-port', String(a.server.pop3Port)],
      ...['--user', a.user, '--password-file', a.passwordFile, '--maildir', a.maildir, '--create', '--quiet'],
    ]);
    expect(again.code, again.output).toBe(0);
    expect(faultOutcome(a)).toEqual({ stored: a.messages.length, lost: 0, duplicated: 0, partial: 0, inTmp: 0 });
  });

  it('a POP3 greeting cut off: exit 3 naming the server and the greeting', async () => {
    const a = await account();
    const run = await runCli(['import', ...(await faultyArgs(a, 'pop3', { action: 'cut' }))]);
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/pop3 127\.0\.0\.1:\d+: greeting: connection closed by the peer/);
    await expectCleanRerun(a, run);
  });

  it('a POP3 STLS handshake that stalls ends after --timeout, named as the STLS handshake', async () => {
    const a = await account();
    const fault: Fault = { afterClient: /STLS\r\n/, afterServer: /\+OK[^\n]*\n/, action: 'stall' };
    const run = await runCli(['import', ...(await faultyArgs(a, 'pop3', fault, 'starttls'))]);
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/pop3 127\.0\.0\.1:\d+: STLS: cannot connect: stalled: no TLS handshake within 5 s/);
    await expectCleanRerun(a, run);
  });

  it('a POP3 UIDL answer cut in the middle: exit 3 naming UIDL', async () => {
    const a = await account();
    const fault: Fault = { afterClient: /UIDL\r\n/, afterServer: /\+OK[^\n]*\n/, extraBytes: 12, action: 'cut' };
    const run = await runCli(['import', ...(await faultyArgs(a, 'pop3', fault))]);
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/pop3 127\.0\.0\.1:\d+: UIDL: connection closed by the peer/);
    await expectCleanRerun(a, run);
  });

  it('a POP3 message stalled mid-TOP ends the step at once: one error naming TOP, exit 3', async () => {
    const a = await account();
    const fault: Fault = {
      afterClient: /TOP 2 \d+\r\n/,
      afterServer: /\+OK[^\n]*\n/,
      extraBytes: 200,
      action: 'stall',
    };
    const run = await runCli(['import', ...(await faultyArgs(a, 'pop3', fault)), '--uidl', 'pop3']);
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/pop3 127\.0\.0\.1:\d+: TOP 2 \(message body\): stalled: no answer within 5 s/);
    // The dead session is not asked for the remaining messages, each waiting out the timeout.
    expect(run.output).not.toMatch(/TOP [3-6]/);
    expect(faultOutcome(a).stored).toBe(1);
    await expectCleanRerun(a, run, ['--uidl', 'pop3']);
  });

  it('an IMAP connection cut mid-literal of a streamed message: exit 3, the message not stored', async () => {
    const a = await account();
    const fault: Fault = {
      afterServer: new RegExp(`${SECOND_CHUNK.source}\\{\\d+\\}\r\n`),
      extraBytes: 1000,
      action: 'cut',
    };
    const run = await runCli(['import', ...(await faultyArgs(a, 'imap', fault))]);
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/imap 127\.0\.0\.1:\d+: uid 3: download failed/);
    expect(faultOutcome(a)).toMatchObject({ stored: 5, lost: 1 });
    await expectCleanRerun(a, run);
  });

  it('an IMAP connection stalled mid-literal of a range fetch: exit 3, named as a stall of the fetch', async () => {
    const a = await account();
    const fault: Fault = { afterServer: /BODY\[\] \{\d+\}\r\n/, extraBytes: 100, action: 'stall' };
    const run = await runCli(['import', ...(await faultyArgs(a, 'imap', fault))]);
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/imap 127\.0\.0\.1:\d+: cannot fetch messages: stalled: no answer within 5 s/);
    await expectCleanRerun(a, run);
  });

  it('one short download chunk: that message is an error and not stored, the rest are (exit 1)', async () => {
    const a = await account();
    const fault: Fault = {
      afterServer: SECOND_CHUNK,
      action: { shortenLiteralTo: 1000 },
    };
    const run = await runCli(['import', ...(await faultyArgs(a, 'imap', fault))]);
    expect(run.output).toMatch(
      new RegExp(
        `INBOX uidl \\S+\\.3: received ${DOWNLOAD_CHUNK_BYTES + 1000} of the ${a.messages[2]!.raw.length} bytes the server announced`,
      ),
    );
    expect(run.code).toBe(1);
    expect(faultOutcome(a)).toEqual({ stored: 5, lost: 1, duplicated: 0, partial: 0, inTmp: 0 });
    await expectCleanRerun(a, run);
  });

  it.each(['dovecot', 'courier'])(
    'one short download chunk, then a plain re-run: the %s UID list is the one a clean import writes',
    async (server) => {
      const a = await account();
      const fault: Fault = {
        afterServer: SECOND_CHUNK,
        action: { shortenLiteralTo: 1000 },
      };
      const run = await runCli(['import', ...(await faultyArgs(a, 'imap', fault)), '--imap-server', server]);
      expect(run.code).toBe(1);
      expect(run.output).toContain('UID list left as it was until its 1 failed message is written');
      const again = await runCli(['import', '--create', ...a.args, '--imap-server', server]);
      expect(again.code, again.output).toBe(0);
      const clean = path.join(path.dirname(a.maildir), 'clean');
      const args = a.args.map((x) => (x === a.maildir ? clean : x));
      expect((await runCli(['import', '--create', ...args, '--imap-server', server])).code).toBe(0);
      const lists = uidListsOf(clean);
      expect(Object.keys(lists)).toHaveLength(1);
      expect(uidListsOf(a.maildir)).toEqual(lists);
    },
  );
});
