import { describe, expect, it } from 'vitest';
import { makeAccount, sampleMessages, sharedSource } from '../support/accounts.js';
import { runCli } from '../support/cli.js';

// A message with 27 keywords: Dovecot keeps 26 of them a folder as letters a–z, so the report
// counts one as left out there; with no IMAP server on the box, a Maildir name holds none.
const KEYWORDS = ['$Junk', ...Array.from({ length: 26 }, (_, i) => `Label${String(i + 1).padStart(2, '0')}`)];

async function importedWith(server: string): Promise<{ dropped: Record<string, number>; text: string }> {
  const [m, plain] = sampleMessages({ count: 2, seed: 190 });
  const a = await makeAccount(sharedSource(), [{ ...m!, flags: ['\\Seen', ...KEYWORDS] }, plain!]);
  const json = await runCli(['import', ...a.args, '--imap-server', server, '--json']);
  expect(json.code, json.stderr).toBe(0);
  // A second run (--full: read again, though STATUS says nothing changed) writes nothing, so its text
  // report is the first run's counts again.
  const text = await runCli(['import', ...a.args, '--imap-server', server, '--full']);
  expect(text.code, text.stderr).toBe(0);
  return { dropped: JSON.parse(json.stdout).users[0].inbox.droppedFlags, text: text.output };
}

describe('keywords in the import report', () => {
  it('with Dovecot on the box, only keywords past its 26 letters are reported left out', async () => {
    const { dropped, text } = await importedWith('dovecot');
    expect(Object.values(dropped)).toEqual([1]);
    expect(KEYWORDS).toContain(Object.keys(dropped)[0]);
    expect(text).toMatch(/flags a Maildir cannot hold, left out: \S+ \(1\)\n/);
  });

  it('with no IMAP server on the box, every keyword is reported left out', async () => {
    const { dropped, text } = await importedWith('none');
    expect(dropped).toEqual(Object.fromEntries(KEYWORDS.map((k) => [k, 1])));
    expect(text).toMatch(/left out: .*\$Junk \(1\)/);
  });
});
