import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readQuota } from '../../src/maildir/quota.js';

const maildirWith = (text?: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-quota-'));
  if (text !== undefined) fs.writeFileSync(path.join(dir, 'maildirsize'), text, { mode: 0o600 });
  return dir;
};

describe('readQuota', () => {
  it.each<[string, string, number | null, number | null]>([
    ['bytes', '1000000S\n', 1_000_000, null],
    ['messages', '500C\n', null, 500],
    ['both', '1000000S,500C\n', 1_000_000, 500],
    ['both, count first', '500C,1000000S\n', 1_000_000, 500],
  ])('reads a quota of %s', async (_what, text, limitBytes, limitMessages) => {
    expect(await readQuota(maildirWith(text), {})).toEqual({
      limitBytes,
      limitMessages,
      usedBytes: 0,
      usedMessages: 0,
    });
  });

  it('adds up the usage lines, removals too, and one cut short stays out', async () => {
    const q = await readQuota(maildirWith('1000000S\n  2000   3\n-500 -1\n12345 6\n99'), {});
    expect(q).toMatchObject({ usedBytes: 13845, usedMessages: 8 });
  });

  it('is no quota without the file, or with a first line that sets no limit', async () => {
    expect(await readQuota(maildirWith(), {})).toBeUndefined();
    expect(await readQuota(maildirWith('0S\n100 1\n'), {})).toBeUndefined();
    expect(await readQuota(maildirWith('\n100 1\n'), {})).toBeUndefined();
  });
});
