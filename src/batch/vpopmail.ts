import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

// vpopmail keeps each domain under ~vpopmail/domains/ (big installations hash domains into
// one-character subdirectories), each user's home in the domain's `vpasswd` (field 6), and
// users of big domains in hashed subdirectories too. Its own `vuserinfo -d` knows every backend
// (SQL included), so it is asked first when it is on PATH.

/** Where an address's mail lives, and how that was found (for the account's log). */
export type Resolved = { home: string; maildir: string; how: string } | { problem: string };

/** Hashed directories are one character; users sit at most this deep in them. */
const HASH_DEPTH = 3;

/** --vpopmail-home, else the vpopmail user's home directory. */
export function vpopmailHome(given: string | undefined): string {
  if (given !== undefined) return given;
  try {
    const home = execFileSync('getent', ['passwd', 'vpopmail'], { encoding: 'utf8' }).split(':')[5];
    if (home) return home.trim();
  } catch {
    // no vpopmail user: said below
  }
  throw new UsageError('there is no vpopmail user on this machine: give --vpopmail-home DIR');
}

/** The address's home directory (its Maildir is HOME/Maildir), or why it cannot be found. */
export function resolveAddress(address: string, vhome: string, searchPath = process.env.PATH ?? ''): Resolved {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at).toLowerCase();
  const domain = address.slice(at + 1).toLowerCase();
  const vuserinfo = onPath('vuserinfo', searchPath);
  if (vuserinfo) {
    let out = '';
    try {
      out = execFileSync(vuserinfo, ['-d', `${local}@${domain}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch {
      return { problem: `${address}: vuserinfo -d knows no such user` };
    }
    const home = out.trim().split('\n')[0] ?? '';
    if (!home.startsWith('/')) return { problem: `${address}: vuserinfo -d gave no directory` };
    return found(home, `vuserinfo -d: ${home}`);
  }
  const domainDir = findDomainDir(vhome, domain);
  if (!domainDir) return { problem: `${address}: ${noDomain(vhome, domain)}` };
  const fromVpasswd = readVpasswd(domainDir)?.get(local);
  if (fromVpasswd) return found(fromVpasswd, `${path.join(domainDir, 'vpasswd')}: ${fromVpasswd}`);
  const dir = findUserDir(domainDir, local);
  if (!dir) return { problem: `${address}: no user ${local} in ${domainDir}` };
  return found(dir, `directory ${dir}`);
}

/** Every user of a domain, as addresses, from its vpasswd (else from its user directories). */
export function listDomain(vhome: string, domain: string): string[] {
  const dir = findDomainDir(vhome, domain.toLowerCase());
  if (!dir) throw new UsageError(`--domain ${domain}: ${noDomain(vhome, domain.toLowerCase())}`);
  const users = readVpasswd(dir)?.keys() ?? userDirs(dir, HASH_DEPTH).map((d) => path.basename(d));
  return [...users].sort().map((u) => `${u}@${domain.toLowerCase()}`);
}

/** Every domain vpopmail holds. An alias domain is a symlink to its real one and is left out. */
export function listDomains(vhome: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const e of readDir(dir)) {
      if (!e.isDirectory()) continue;
      if (e.name.length === 1 && depth < HASH_DEPTH) walk(path.join(dir, e.name), depth + 1);
      else out.push(e.name);
    }
  };
  walk(path.join(vhome, 'domains'), 0);
  return out.sort();
}

/** Why a domain was not found: not there, or there but closed to the user running this (vpopmail
 *  keeps its tree from everyone but itself and root). */
function noDomain(vhome: string, domain: string): string {
  const domains = path.join(vhome, 'domains');
  const closed = refusal(() => fs.statSync(path.join(domains, domain))) ?? refusal(() => fs.readdirSync(domains));
  return closed
    ? `cannot look into ${domains} (${closed}): vpopmail's tree is closed to uid ${process.getuid?.()}, who runs this; run qmail-import as root (it writes each Maildir as its owner)`
    : `no domain ${domain} under ${domains}`;
}

/** EACCES or EPERM when CALL is refused for a permission; undefined otherwise. */
function refusal(call: () => unknown): string | undefined {
  try {
    call();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return code;
  }
  return undefined;
}

function found(home: string, how: string): Resolved {
  return { home, maildir: path.join(home, 'Maildir'), how };
}

function findDomainDir(vhome: string, domain: string): string | undefined {
  const domains = path.join(vhome, 'domains');
  const direct = path.join(domains, domain);
  if (isDir(direct)) return direct;
  const hashed = readDir(domains)
    .filter((e) => e.isDirectory() && e.name.length === 1)
    .map((e) => path.join(domains, e.name, domain));
  return hashed.find(isDir);
}

/** local part → home directory, or undefined when the domain has no vpasswd (an SQL backend). */
function readVpasswd(domainDir: string): Map<string, string> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(domainDir, 'vpasswd'), 'utf8');
  } catch {
    return undefined;
  }
  const users = new Map<string, string>();
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] && fields[5]) users.set(fields[0].toLowerCase(), fields[5]);
  }
  return users;
}

function findUserDir(domainDir: string, local: string): string | undefined {
  return userDirs(domainDir, HASH_DEPTH).find((d) => path.basename(d) === local);
}

/** User homes: directories holding a Maildir, directly or in one-character hash directories. */
function userDirs(dir: string, depth: number): string[] {
  return readDir(dir).flatMap((e) => {
    if (!e.isDirectory()) return [];
    const sub = path.join(dir, e.name);
    if (isDir(path.join(sub, 'Maildir'))) return [sub];
    return e.name.length === 1 && depth > 0 ? userDirs(sub, depth - 1) : [];
  });
}

function readDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Followed through a symlink: an alias domain leads to its real one. */
function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function onPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(':').filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
