import { describe, expect, it } from 'vitest';
import { listLikeQmailPop3d, uidlOfName, type MaildirEntry } from '../../src/maildir/pop3d-listing.js';

const NOW = 1_800_000_000;
const e = (dir: 'new' | 'cur', name: string, mtimeSec: number, size = 100): MaildirEntry => ({
  dir,
  name,
  mtimeSec,
  size,
});

describe('listLikeQmailPop3d (docs/qmail-pop3d.md rules)', () => {
  it('numbers messages by mtime, from new/ and cur/ alike, UIDL cut at the first colon', () => {
    const l = listLikeQmailPop3d(
      [e('cur', 'b:2,S', NOW - 10), e('new', 'c', NOW - 5), e('cur', 'a:2,RS', NOW - 20), e('new', 'x:y:z', NOW - 1)],
      NOW,
    );
    expect(l.messages.map((m) => [m.n, m.uidl])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'x'],
    ]);
  });

  it('does not list a file whose mtime is now or later, and reports it', () => {
    const l = listLikeQmailPop3d(
      [e('new', 'past', NOW - 1), e('new', 'now', NOW), e('cur', 'future:2,', NOW + 60)],
      NOW,
    );
    expect(l.messages.map((m) => m.uidl)).toEqual(['past']);
    expect(l.invisible.map((x) => x.name)).toEqual(['now', 'future:2,']);
  });

  it('skips dot files', () => {
    const l = listLikeQmailPop3d(
      [e('new', '.hidden', NOW - 9), e('cur', '.x:2,S', NOW - 8), e('new', 'seen', NOW - 7)],
      NOW,
    );
    expect(l.messages.map((m) => m.uidl)).toEqual(['seen']);
  });

  it('reports LF sizes as stored', () => {
    expect(listLikeQmailPop3d([e('new', 'a', NOW - 1, 1234)], NOW).messages[0]?.size).toBe(1234);
  });

  it('reports files sharing an mtime second, whose order qmail-pop3d does not fix', () => {
    const l = listLikeQmailPop3d(
      [
        e('new', 'a', NOW - 9),
        e('cur', 'b:2,S', NOW - 9),
        e('new', 'c', NOW - 8),
        e('new', 'd', NOW - 3),
        e('new', 'e', NOW - 3),
        e('new', 'f', NOW - 3),
      ],
      NOW,
    );
    expect(l.ties.map((g) => g.map((x) => uidlOfName(x.name)))).toEqual([
      ['a', 'b'],
      ['d', 'e', 'f'],
    ]);
  });

  it('lists nothing for an empty Maildir', () => {
    expect(listLikeQmailPop3d([], NOW)).toEqual({ messages: [], invisible: [], ties: [] });
  });
});
