import { describe, expect, it } from 'vitest';
import type { ImapMessageMeta } from '../../src/message-records.js';
import { planInbox, type InboxPlanInput } from '../../src/plan/inbox.js';
import type { ExistingFile } from '../../src/maildir/scan.js';
import type { JournalEntry } from '../../src/journal-records.js';
import { folderHistory } from '../../src/state/records.js';
import { finishMatching, matchByFormula, startMatching, type MatchResult } from '../../src/uidl/match.js';

const V = '1700000000';
const BEFORE = 1_800_000_000;
const meta = (uid: number, flags: string[] = [], internalDateSec = 1_750_000_000 + uid * 60): ImapMessageMeta => ({
  uid,
  flags,
  internalDateSec,
  size: 1000 + uid,
});
const IMAP = [meta(1), meta(2, ['\\Seen']), meta(3, ['\\Flagged', '$Label1'])];
const pop3 = (uidls: string[]) => uidls.map((uidl, i) => ({ n: i + 1, uidl, size: 0 }));
/** Matches as a strategy that is not a formula would hand them over: UIDL i+1 belongs to uids[i]. */
const matchedAs = (uidls: string[], uids: number[]): MatchResult => ({
  matches: pop3(uidls).map((p, i) => ({ uid: uids[i] as number, pop3: p, matchedBy: 'test' })),
  unmatchedPop3: [],
});
const matchUidls = (v: string, imap: readonly ImapMessageMeta[], p: ReturnType<typeof pop3>) =>
  finishMatching(matchByFormula(startMatching(imap, p), v));
type Over = Partial<Omit<InboxPlanInput, 'facts'>> & {
  existing?: Map<string, ExistingFile>;
  records?: JournalEntry[];
  foreignCrlfSize?: Map<string, number>;
};
const input = ({ existing = new Map(), records = [], foreignCrlfSize, ...over }: Over): InboxPlanInput => ({
  facts: {
    uidValidity: V,
    existing,
    history: folderHistory(records, 'INBOX', V, existing),
    ...(foreignCrlfSize ? { foreignCrlfSize } : {}),
  },
  imap: IMAP,
  matched: matchUidls(V, over.imap ?? IMAP, pop3([1, 2, 3].map((u) => `${V}.${u}`))),
  otherMtimesSec: new Set(),
  beforeSec: BEFORE,
  host: 'mx.example',
  ...over,
});
const file = (name: string, mtimeSec: number, dir: 'new' | 'cur' = 'new', info = ''): [string, ExistingFile] => [
  name,
  { dir, file: `${name}${info}`, mtimeSec },
];
const record = (name: string, uid: number | undefined, over: Partial<JournalEntry> = {}): JournalEntry => ({
  folder: 'INBOX',
  uidValidity: V,
  ...(uid !== undefined ? { uid } : {}),
  name,
  sha256: `sha-${name}`,
  ...over,
});

describe('planInbox', () => {
  it('names each file by its source UIDL, in POP3 order, with flags and increasing past mtimes', () => {
    const plan = planInbox(input({}));
    expect(plan.formula).toBe('%v.%u');
    expect(plan.messages.map((m) => [m.uid, m.dir, m.file, m.matchedBy, m.action])).toEqual([
      [1, 'new', `${V}.1`, 'formula %v.%u', 'write'],
      [2, 'cur', `${V}.2:2,S`, 'formula %v.%u', 'write'],
      [3, 'cur', `${V}.3:2,F`, 'formula %v.%u', 'write'],
    ]);
    expect(plan.messages.map((m) => m.mtimeSec)).toEqual([1_750_000_060, 1_750_000_120, 1_750_000_180]);
    expect(plan.messages[2]?.droppedFlags).toEqual(['$Label1']);
    expect(plan.unmatchedPop3).toEqual([]);
  });

  it('follows the POP3 order, not the UID order', () => {
    const plan = planInbox(input({ matched: matchUidls(V, IMAP, pop3([3, 1, 2].map((u) => `${V}.${u}`))) }));
    expect(plan.messages.map((m) => m.uid)).toEqual([3, 1, 2]);
    expect(plan.messages[1]!.mtimeSec).toBeGreaterThan(plan.messages[0]!.mtimeSec);
  });

  it('gives a message whose UIDL qmail-pop3d cannot show a normal name, and says it will be downloaded again', () => {
    const plan = planInbox(input({ matched: matchedAs(['ok1', 'has:colon', '.dot'], [1, 2, 3]) }));
    expect(plan.messages.map((m) => [m.name, m.uidl, m.downloadAgain])).toEqual([
      ['ok1', 'ok1', undefined],
      [`1750000120.V${V}U2.mx.example`, 'has:colon', expect.stringContaining('contains ":"')],
      [`1750000180.V${V}U3.mx.example`, '.dot', expect.stringContaining('starts with "."')],
    ]);
  });

  it('lets only the first of two messages with the same UIDL keep it', () => {
    const plan = planInbox(input({ matched: matchedAs(['same', 'same', 'other'], [1, 2, 3]) }));
    expect(plan.messages.map((m) => [m.name, m.downloadAgain])).toEqual([
      ['same', undefined],
      [`1750000120.V${V}U2.mx.example`, expect.stringContaining('UIDL shared')],
      ['other', undefined],
    ]);
  });

  it('places an IMAP message missing from POP3 after its lower-UID neighbour, under a normal name', () => {
    const imap = [meta(1), meta(2), meta(3), meta(4)];
    const plan = planInbox(input({ imap, matched: matchUidls(V, imap, pop3([1, 3, 4].map((u) => `${V}.${u}`))) }));
    expect(plan.messages.map((m) => m.uid)).toEqual([1, 2, 3, 4]);
    expect(plan.messages[1]).toMatchObject({
      name: `1750000120.V${V}U2.mx.example`,
      downloadAgain: 'not in the source POP3 listing',
    });
  });

  it('reports a POP3 message that has no IMAP message and imports nothing for it', () => {
    const plan = planInbox(input({ matched: matchUidls(V, IMAP, pop3([1, 2, 3, 4].map((u) => `${V}.${u}`))) }));
    expect(plan.messages).toHaveLength(3);
    expect(plan.unmatchedPop3).toEqual([{ n: 4, uidl: `${V}.4`, reason: 'no IMAP message found by UIDL formulas' }]);
  });

  it('reports every UIDL when no formula explains them', () => {
    const plan = planInbox(input({ matched: matchUidls(V, IMAP, pop3(['opaque1', 'opaque2', 'opaque3'])) }));
    expect(plan.formula).toBeUndefined();
    expect(plan.unmatchedPop3.map((u) => u.reason)).toEqual(Array(3).fill('no IMAP message found by UIDL formulas'));
    expect(plan.messages.every((m) => m.downloadAgain === 'not in the source POP3 listing')).toBe(true);
  });

  it('keeps messages already in the Maildir as they are and places new ones after them', () => {
    const existing = new Map([
      [`${V}.1`, { dir: 'new' as const, file: `${V}.1`, mtimeSec: 1_760_000_000 }],
      [`${V}.2`, { dir: 'cur' as const, file: `${V}.2:2,S`, mtimeSec: 1_760_000_001 }],
    ]);
    const plan = planInbox(input({ existing }));
    expect(plan.messages.map((m) => [m.action, m.mtimeSec])).toEqual([
      ['present', 1_760_000_000],
      ['present', 1_760_000_001],
      ['write', 1_760_000_002],
    ]);
  });

  it('adds flags the source has gained to a message already there, and never takes one away', () => {
    const existing = new Map([
      // Unseen when first imported, seen on the source since: moves to cur/ with S.
      [`${V}.2`, { dir: 'new' as const, file: `${V}.2`, mtimeSec: 1_760_000_001 }],
      // Answered on the new server, not on the source: keeps R and gains F.
      [`${V}.3`, { dir: 'cur' as const, file: `${V}.3:2,R`, mtimeSec: 1_760_000_002 }],
    ]);
    const plan = planInbox(input({ existing }));
    expect(plan.messages.slice(1).map((m) => [m.action, m.from, `${m.dir}/${m.file}`])).toEqual([
      ['reflag', `new/${V}.2`, `cur/${V}.2:2,S`],
      ['reflag', `cur/${V}.3:2,R`, `cur/${V}.3:2,FR`],
    ]);
  });

  it('imports a message that cannot fit between existing ones anyway, and names it as out of order', () => {
    const existing = new Map([
      [`${V}.1`, { dir: 'new' as const, file: `${V}.1`, mtimeSec: 1_760_000_000 }],
      [`${V}.3`, { dir: 'cur' as const, file: `${V}.3:2,F`, mtimeSec: 1_760_000_001 }],
    ]);
    const plan = planInbox(input({ existing }));
    expect(plan.messages.map((m) => m.action)).toEqual(['present', 'write', 'present']);
    expect(plan.outOfOrder).toEqual([`${V}.2`]);
    expect(new Set(plan.messages.map((m) => m.mtimeSec)).size).toBe(3);
  });

  it('fetches leftover messages over POP3, in POP3 order, named by their UIDL, after their predecessor', () => {
    const imap = [meta(1), meta(3)];
    const listing = pop3([`${V}.1`, 'only-on-pop3', `${V}.3`]);
    const matched = matchUidls(V, imap, listing);
    const plan = planInbox(input({ imap, matched, viaPop3: [listing[1]!] }));
    expect(plan.messages.map((m) => [m.source, m.name, m.matchedBy, m.dir])).toEqual([
      ['imap', `${V}.1`, 'formula %v.%u', 'new'],
      ['pop3', 'only-on-pop3', 'pop3 itself', 'new'],
      ['imap', `${V}.3`, 'formula %v.%u', 'new'],
    ]);
    expect(plan.messages.map((m) => m.mtimeSec)).toEqual([1_750_000_060, 1_750_000_061, 1_750_000_180]);
    expect(plan.unmatchedPop3).toEqual([]);
  });

  it('holds back messages above --max-size by their announced size (IMAP, or POP3 LIST), and a later run without it writes them in the source order', () => {
    const listing = [`${V}.1`, 'big-on-pop3', `${V}.2`, `${V}.3`].map((uidl, i) => ({
      n: i + 1,
      uidl,
      size: i === 1 ? 5000 : 1001 + i,
    }));
    const matched = matchUidls(V, IMAP, listing);
    const viaPop3 = [listing[1]!];
    const first = planInbox(input({ matched, viaPop3, maxSize: 1002 }));
    expect(first.messages.map((m) => [m.name, m.action])).toEqual([
      [`${V}.1`, 'write'],
      ['big-on-pop3', 'too-big'],
      [`${V}.2`, 'write'],
      [`${V}.3`, 'too-big'],
    ]);
    // What the first run wrote, as the second finds it.
    const written = first.messages.filter((m) => m.action === 'write');
    const existing = new Map(written.map((m) => file(m.name, m.mtimeSec, m.dir, m.file.slice(m.name.length))));
    const records = written.map((m) => record(m.name, m.uid, { uidl: m.uidl, size: m.size }));
    const second = planInbox(input({ matched, viaPop3, existing, records }));
    expect(second.messages.map((m) => m.action)).toEqual(['present', 'write', 'present', 'write']);
    expect(second.outOfOrder).toEqual([]);
    const mtimes = second.messages.map((m) => m.mtimeSec);
    expect(mtimes).toEqual([...mtimes].sort((a, b) => a - b));
    expect(new Set(mtimes).size).toBe(4);
  });

  it('with UIDLs off, names every message normally and flags none as downloaded again', () => {
    const plan = planInbox(input({ matched: undefined }));
    expect(plan.messages.map((m) => m.name)).toEqual(
      [1, 2, 3].map((u) => `${1_750_000_000 + u * 60}.V${V}U${u}.mx.example`),
    );
    expect(plan.messages.some((m) => m.downloadAgain)).toBe(false);
  });

  it('takes a file we wrote as the incoming message only when the journal says it is that message', () => {
    // A %u source renumbered: UIDL "1" now belongs to another message than the one we wrote under it.
    const imap = [meta(1), meta(2)];
    const existing = new Map([file('1', 1_760_000_000), file('2', 1_760_000_001), file('3', 1_760_000_002)]);
    const records = ['1', '2', '3'].map((n) => record(n, Number(n), { uidValidity: 'old', uidl: n }));
    const plan = planInbox(input({ imap, existing, records, matched: matchedAs(['1', '2'], [1, 2]) }));
    expect(plan.messages.map((m) => [m.name, m.action])).toEqual([
      ['1', 'write'],
      ['2', 'write'],
    ]);
    // Every earlier file counts, each once; those whose names are needed move aside first.
    expect(plan.earlier.map((e) => [e.file, e.parkAs])).toEqual([
      ['1', '0.XoldU1.mx.example'],
      ['2', '0.XoldU2.mx.example'],
      ['3', undefined],
    ]);
    expect(plan.uidValidityChangedFrom).toBe('old');
  });

  it('keeps a message we wrote and the user deleted here out, and counts it apart', () => {
    const plan = planInbox(input({ records: [record(`${V}.2`, 2)] }));
    expect(plan.messages.map((m) => m.action)).toEqual(['write', 'deleted-here', 'write']);
  });

  it('leaves a file we did not write alone when its size differs from the message its name is', () => {
    const existing = new Map([file(`${V}.1`, 1_760_000_000), file(`${V}.2`, 1_760_000_001)]);
    const foreignCrlfSize = new Map([
      [`${V}.1`, 1001],
      [`${V}.2`, 5],
    ]);
    const plan = planInbox(input({ existing, foreignCrlfSize }));
    expect(plan.messages.map((m) => m.action)).toEqual(['present', 'conflict', 'write']);
    expect(plan.messages[1]?.conflict).toContain('5 bytes with CRLF');
  });

  it('gives every message its own name when source messages share a UIDL, and counts them', () => {
    const listing = [
      { n: 1, uidl: 'same', size: 10 },
      { n: 2, uidl: 'same', size: 11 },
      { n: 3, uidl: 'same', size: 12 },
    ];
    const plan = planInbox(input({ imap: [], matched: finishMatching(startMatching([], listing)), viaPop3: listing }));
    const names = plan.messages.map((m) => m.name);
    expect(names[0]).toBe('same');
    expect(new Set(names).size).toBe(3);
    expect(plan.messages.slice(1).every((m) => m.downloadAgain?.includes('shared'))).toBe(true);
    expect(plan.sharedUidls).toBe(3);
  });

  it('never moves a file an IMAP client moved to cur/ back to new/', () => {
    const existing = new Map([file(`${V}.1`, 1_760_000_000, 'cur', ':2,')]);
    const plan = planInbox(input({ existing, records: [record(`${V}.1`, 1)] }));
    expect(plan.messages[0]).toMatchObject({ action: 'present', dir: 'cur', file: `${V}.1:2,` });
  });
});
