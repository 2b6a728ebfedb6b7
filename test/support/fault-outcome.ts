import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { storedBytes } from './stored-bytes.js';
import type { Account } from './accounts.js';

/** What a fault left in a Maildir (INBOX), in the terms of docs/faults.md. */
export interface FaultOutcome {
  /** Source messages stored exactly once. */
  stored: number;
  /** Source messages with no file. */
  lost: number;
  /** Source messages with more than one file. */
  duplicated: number;
  /** Visible files whose bytes are no source message (short, long or garbled). */
  partial: number;
  /** Files left in tmp/. */
  inTmp: number;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function faultOutcome(a: Account): FaultOutcome {
  const wanted = new Map(a.messages.map((m) => [sha(storedBytes(m.raw)), 0]));
  let partial = 0;
  const list = (sub: string) =>
    fs.existsSync(path.join(a.maildir, sub)) ? fs.readdirSync(path.join(a.maildir, sub)) : [];
  for (const sub of ['new', 'cur'])
    for (const name of list(sub)) {
      const h = sha(fs.readFileSync(path.join(a.maildir, sub, name)));
      const n = wanted.get(h);
      if (n === undefined) partial += 1;
      else wanted.set(h, n + 1);
    }
  const counts = [...wanted.values()];
  return {
    stored: counts.filter((n) => n === 1).length,
    lost: counts.filter((n) => n === 0).length,
    duplicated: counts.filter((n) => n > 1).length,
    partial,
    inTmp: list('tmp').length,
  };
}
