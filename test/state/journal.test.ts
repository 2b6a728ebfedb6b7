import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/state/journal.js';
import { liveHeapBytes } from '../support/live-heap.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A journal of `count` written messages, each line as an import of this version writes it. */
function journalOf(count: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-journal-'));
  dirs.push(dir);
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      folder: 'INBOX',
      uidValidity: '1796420977',
      uid: i + 1,
      uidl: `1796420977.${i + 1}`,
      size: 625 + (i % 7),
      name: `1796420977.${i + 1}`,
      sha256: (i + 1).toString(16).padStart(64, '0'),
      stored: { bytes: 602, lines: 23, mtimeSec: 1672319300 + i },
    }),
  );
  fs.writeFileSync(path.join(dir, 'qmail-import.journal'), `${lines.join('\n')}\n`, { mode: 0o600 });
  return dir;
}

describe('readJournal', () => {
  it('holds a journal of 20,000 messages in under 400 bytes a record', async () => {
    const dir = journalOf(20_000);
    const before = liveHeapBytes();
    const { entries } = await readJournal(dir, { user: 'u' });
    const perRecord = (liveHeapBytes() - before) / entries.length;
    expect(entries).toHaveLength(20_000);
    expect(entries[19_999]).toEqual({
      folder: 'INBOX',
      uidValidity: '1796420977',
      uid: 20_000,
      uidl: '1796420977.20000',
      size: 625 + (19_999 % 7),
      name: '1796420977.20000',
      sha256: (20_000).toString(16).padStart(64, '0'),
      stored: { bytes: 602, lines: 23, mtimeSec: 1672319300 + 19_999 },
    });
    // A hidden class per record (as a spread of shared fields made) was over 600 bytes a record.
    expect(perRecord).toBeLessThan(400);
  });

  it("reads verify's records without their hashes", async () => {
    const dir = journalOf(3);
    const { entries } = await readJournal(dir, { user: 'u' }, { hashes: false });
    expect(entries.map((e) => [e.name, e.sha256])).toEqual([
      ['1796420977.1', undefined],
      ['1796420977.2', undefined],
      ['1796420977.3', undefined],
    ]);
    expect((await readJournal(dir, { user: 'u' })).entries[2]?.sha256).toBe((3).toString(16).padStart(64, '0'));
  });
});
