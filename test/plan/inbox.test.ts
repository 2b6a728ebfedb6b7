import { describe, expect, it } from 'vitest';
import type { ImapMessageMeta } from '../../src/source/imap.js';
import { planInbox, type InboxPlanInput } from '../../src/plan/inbox.js';
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
const input = (over: Partial<InboxPlanInput>): InboxPlanInput => ({
  uidValidity: V,
  imap: IMAP,
  matched: matchUidls(V, over.imap ?? IMAP, pop3([1, 2, 3].map((u) => `${V}.${u}`))),
  existing: new Map(),
  otherMtimesSec: new Set(),
  beforeSec: BEFORE,
  host: 'mx.example',
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
      [`1750000120.V${V}U2.mx.example`, 'UIDL used by an earlier message too'],
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

  it('with UIDLs off, names every message normally and flags none as downloaded again', () => {
    const plan = planInbox(input({ matched: undefined }));
    expect(plan.messages.map((m) => m.name)).toEqual(
      [1, 2, 3].map((u) => `${1_750_000_000 + u * 60}.V${V}U${u}.mx.example`),
    );
    expect(plan.messages.some((m) => m.downloadAgain)).toBe(false);
  });
});
