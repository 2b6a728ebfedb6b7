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
 * unexplained for the caller to report, never guessed.
 */
export function detectFormula(
  uidValidity: string,
  uids: readonly number[],
  pop3: readonly Pick<Pop3Message, 'n' | 'uidl'>[],
): FormulaMatch | undefined {
  let best: FormulaMatch | undefined;
  for (const f of FORMULAS) {
    const uidByUidl = new Map(uids.map((u) => [f.uidlOf(uidValidity, u), u]));
    const uidByPop3N = new Map<number, number>();
    for (const p of pop3) {
      const uid = uidByUidl.get(p.uidl);
      if (uid !== undefined) uidByPop3N.set(p.n, uid);
    }
    if (uidByPop3N.size > 0 && uidByPop3N.size > (best?.uidByPop3N.size ?? 0)) best = { formula: f.name, uidByPop3N };
  }
  return best;
}
