import { execFileSync } from 'node:child_process';

/** Entries already looked up in this run: a batch of 2,000 vpopmail accounts asks for one owner
 *  2,000 times, and a getent process each would cost more than an unchanged account's delta. */
const looked = new Map<string, string[] | undefined>();

/** One entry of the passwd or group database (by name or number), through NSS, as getent prints
 *  it; undefined when there is none. */
export function nssEntry(db: 'passwd' | 'group', key: string): string[] | undefined {
  const id = `${db}:${key}`;
  if (!looked.has(id)) looked.set(id, getent(db, key));
  return looked.get(id);
}

function getent(db: 'passwd' | 'group', key: string): string[] | undefined {
  try {
    return execFileSync('getent', [db, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(':');
  } catch {
    return undefined;
  }
}
