import { describe, expect, it } from 'vitest';
import { detectFormula, FORMULAS } from '../../src/uidl/formula.js';

const V = '1700000123';
const UIDS = [1, 2, 3, 10, 255];
const pop3 = (uidls: string[]) => uidls.map((uidl, i) => ({ n: i + 1, uidl }));

describe('detectFormula', () => {
  it.each([
    ['%v.%u', UIDS.map((u) => `${V}.${u}`)],
    ['%u', UIDS.map((u) => `${u}`)],
    ['%v-%u', UIDS.map((u) => `${V}-${u}`)],
    // Dovecot's default prints lower-case hex, UID first.
    ['%08xu%08xv', UIDS.map((u) => u.toString(16).padStart(8, '0') + Number(V).toString(16).padStart(8, '0'))],
    [
      '%08Xv%08Xu',
      UIDS.map((u) => (Number(V).toString(16).padStart(8, '0') + u.toString(16).padStart(8, '0')).toUpperCase()),
    ],
  ])('recognises %s and maps every message to its UID', (name, uidls) => {
    const m = detectFormula(V, UIDS, pop3(uidls));
    expect(m?.formula).toBe(name);
    expect([...(m?.uidByPop3N ?? [])]).toEqual(UIDS.map((u, i) => [i + 1, u]));
  });

  it('leaves UIDLs it cannot explain unmatched instead of guessing', () => {
    const m = detectFormula(V, UIDS, pop3([`${V}.1`, `${V}.2`, 'GmailId17a', `${V}.999`]));
    expect(m?.formula).toBe('%v.%u');
    expect([...(m?.uidByPop3N.keys() ?? [])]).toEqual([1, 2]);
  });

  it('finds nothing for opaque UIDLs', () => {
    expect(detectFormula(V, UIDS, pop3(['a1b2', 'c3d4']))).toBeUndefined();
  });

  it('has no two formulas that produce the same UIDL', () => {
    const seen = new Map<string, string>();
    for (const f of FORMULAS) {
      const sample = f.uidlOf(V, 7);
      expect(seen.get(sample), `${f.name} vs ${seen.get(sample)}`).toBeUndefined();
      seen.set(sample, f.name);
    }
  });
});
