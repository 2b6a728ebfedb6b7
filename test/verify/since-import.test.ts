import { describe, expect, it } from 'vitest';
import type { MaildirEntry } from '../../src/maildir/pop3d-listing.js';
import type { JournalEntry, JournalSkip } from '../../src/journal-records.js';
import { compareListings } from '../../src/verify/compare.js';
import { classifyFolder, classifyInbox } from '../../src/verify/since-import.js';

const LAST_IMPORT = 2_000_000;
const written = (entries: Partial<JournalEntry>[]) =>
  new Map(
    entries.map((e) => [e.name as string, { folder: 'INBOX', uidValidity: '7', sha256: '', ...e } as JournalEntry]),
  );
const skip = (over: Partial<JournalSkip>): JournalSkip => ({
  folder: 'INBOX',
  uidValidity: '7',
  size: 5000,
  skipped: 'max-size',
  maxSize: 1000,
  ...over,
});
const file = (name: string, mtimeSec: number): MaildirEntry => ({
  dir: 'cur',
  name: `${name}:2,S`,
  mtimeSec,
  size: 10,
});

describe('classifyInbox', () => {
  // Source: a b c d. Imported: a b c. Here now: a, c, new1 (delivered), old1 (older than the import).
  const source = ['a', 'b', 'c', 'd'].map((uidl, i) => ({ n: i + 1, uidl, size: 12 }));
  const entries = [file('a', 100), file('c', 101), file('new1', LAST_IMPORT), file('old1', 50)];
  const local = entries
    .filter((e) => e.mtimeSec < LAST_IMPORT)
    .map((e, i) => ({ n: i + 1, uidl: e.name.split(':')[0]!, sizeCrlf: 12 }));
  const record = {
    written: written(['a', 'b', 'c'].map((n) => ({ name: n, uidl: n }))),
    skips: [],
    lastImportSec: LAST_IMPORT,
  };

  it('deleted here and new here (even not listed yet) are normal life; never written is missing; older strays are extra', () => {
    const { diff, since } = classifyInbox(
      compareListings(source, local),
      new Set(source.map((m) => m.uidl)),
      entries,
      record,
    );
    expect(since).toEqual({ newHere: ['new1'], deletedHere: ['b'], goneFromSource: [], overMaxSize: [] });
    expect(diff.missing.map((m) => m.uidl)).toEqual(['d']);
    expect(diff.extra.map((m) => m.uidl)).toEqual(['old1']);
  });

  it('a written file the source no longer lists is gone from the source, not extra', () => {
    const shrunk = source.filter((m) => m.uidl !== 'c');
    const { diff, since } = classifyInbox(
      compareListings(shrunk, local),
      new Set(shrunk.map((m) => m.uidl)),
      entries,
      record,
    );
    expect(since.goneFromSource).toEqual(['c']);
    expect(diff.extra.map((m) => m.uidl)).toEqual(['old1']);
  });

  it('a message the import skipped as over --max-size is named as such, not missing; once written, its skip no longer counts', () => {
    // d skipped and never written; b skipped by a first run, written by a later one, deleted here since.
    const skips = [skip({ uid: 4, uidl: 'd' }), skip({ uid: 2, uidl: 'b' })];
    const { diff, since } = classifyInbox(compareListings(source, local), new Set(source.map((m) => m.uidl)), entries, {
      ...record,
      skips,
    });
    expect(since.overMaxSize).toEqual(['d']);
    expect(since.deletedHere).toEqual(['b']);
    expect(diff.missing).toEqual([]);
  });
});

describe('classifyFolder', () => {
  it('expects the source count less what was deleted here plus what came here; records of an older UIDVALIDITY do not count', () => {
    const record = {
      written: written([
        { name: 'm1', uid: 1 },
        { name: 'm2', uid: 2 },
        { name: 'm3', uid: 3 },
        { name: 'old', uid: 9, uidValidity: '6' },
      ]),
      skips: [],
      lastImportSec: LAST_IMPORT,
    };
    const local = [file('m1', 10), file('m3', 11), file('saved', LAST_IMPORT + 5)];
    expect(classifyFolder([1, 2], '7', local, record)).toEqual({
      newHere: 1,
      deletedHere: 1,
      goneFromSource: 1,
      overMaxSize: 0,
      expectedLocal: 3,
    });
  });

  it('expects no file for a message skipped as over --max-size that is still on the source and was never written', () => {
    const record = {
      written: written([{ name: 'm1', uid: 1, folder: 'Sent' }]),
      // uid 2 skipped twice (two runs), uid 3 skipped then gone from the source, uid 1 skipped then written.
      skips: [
        skip({ uid: 2 }),
        skip({ uid: 2 }),
        skip({ uid: 3 }),
        skip({ uid: 1 }),
        skip({ uid: 2, uidValidity: '6' }),
      ],
      lastImportSec: LAST_IMPORT,
    };
    expect(classifyFolder([1, 2], '7', [file('m1', 10)], record)).toEqual({
      newHere: 0,
      deletedHere: 0,
      goneFromSource: 0,
      overMaxSize: 1,
      expectedLocal: 1,
    });
  });
});
