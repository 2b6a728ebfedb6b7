import type { Pop3Message } from '../message-records.js';
/**
 * UIDL formulas of real servers: the UIDL as a function of (UIDVALIDITY, UID), in the notation of
 * Dovecot's pop3_uidl_format (docs/matching.md, "UIDL shapes seen on real servers"). Hex formulas are tried in
 * both cases because Dovecot prints %X in lower case while other servers print upper case.
 */
export interface UidlFormula {
  name: string;
  uidlOf(uidValidity: string, uid: number): string;
}

const hex8 = (n: string | number) => BigInt(n).toString(16).padStart(8, '0');

const BASE: UidlFormula[] = [
  { name: '%v.%u', uidlOf: (v, u) => `${v}.${u}` },
  { name: '%u', uidlOf: (_v, u) => `${u}` },
  { name: '%v-%u', uidlOf: (v, u) => `${v}-${u}` },
  { name: '%08xu%08xv', uidlOf: (v, u) => hex8(u) + hex8(v) },
  { name: '%08xv%08xu', uidlOf: (v, u) => hex8(v) + hex8(u) },
];

const upper = (f: UidlFormula): UidlFormula => ({
  name: f.name.replaceAll('x', 'X'),
  uidlOf: (v, u) => f.uidlOf(v, u).toUpperCase(),
});

export const FORMULAS: readonly UidlFormula[] = [...BASE, ...BASE.filter((f) => f.name.includes('x')).map(upper)];

export interface FormulaMatch {
  formula: string;
  /** POP3 message number → IMAP UID, for every UIDL the formula explains. */
  uidByPop3N: Map<number, number>;
}

/**
 * The formula that explains the most POP3 UIDLs, or undefined when none explains any. A formula
 * only claims a UIDL when it yields exactly that string for an existing UID; the rest stays
 * unexplained for the caller to report, never guessed. The listing's UIDLs are indexed once and
 * each formula's UIDLs looked up as they are made, not indexed again per formula (a mailbox of
 * 100,000 messages: 100,000 strings each).
 */
export function detectFormula(
  uidValidity: string,
  uids: readonly number[],
  pop3: readonly Pick<Pop3Message, 'n' | 'uidl'>[],
): FormulaMatch | undefined {
  // Listing index of the first message with each UIDL; `sameUidl` chains the others sharing it.
  const first = new Map<string, number>();
  const sameUidl = new Int32Array(pop3.length).fill(-1);
  const last = new Map<string, number>();
  pop3.forEach((p, i) => {
    const before = last.get(p.uidl);
    if (before === undefined) first.set(p.uidl, i);
    else sameUidl[before] = i;
    last.set(p.uidl, i);
  });
  last.clear();
  let best: { formula: string; uidAt: Float64Array; count: number } | undefined;
  for (const f of FORMULAS) {
    const uidAt = new Float64Array(pop3.length).fill(NaN);
    let count = 0;
    for (const u of uids)
      for (let i = first.get(f.uidlOf(uidValidity, u)) ?? -1; i !== -1; i = sameUidl[i] as number) {
        if (Number.isNaN(uidAt[i])) count += 1;
        uidAt[i] = u;
      }
    if (count > 0 && count > (best?.count ?? 0)) best = { formula: f.name, uidAt, count };
  }
  if (!best) return undefined;
  const uidByPop3N = new Map<number, number>();
  const { uidAt } = best;
  pop3.forEach((p, i) => {
    if (!Number.isNaN(uidAt[i])) uidByPop3N.set(p.n, uidAt[i] as number);
  });
  return { formula: best.formula, uidByPop3N };
}
