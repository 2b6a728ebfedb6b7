import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** The account that owns a mailbox: whom the per-user work runs as. */
export interface Owner {
  name: string;
  uid: number;
  gid: number;
}

/**
 * --owner USER[:GROUP] when given; otherwise the owner of the Maildir, or of its parent for a
 * Maildir still to be created (vpopmail: the domain directory, owned by vpopmail:vchkpw).
 */
export function resolveOwner(spec: string | undefined, maildir: string): Owner {
  if (spec) {
    const [userPart = '', groupPart] = spec.split(':');
    const user = lookup('passwd', userPart, `--owner: no such user ${userPart}`);
    const gid = groupPart
      ? Number(lookup('group', groupPart, `--owner: no such group ${groupPart}`)[2])
      : Number(user[3]);
    return checked({ name: user[0] as string, uid: Number(user[2]), gid });
  }
  const st = statExisting(maildir);
  const user = lookup(
    'passwd',
    String(st.uid),
    `${maildir} is owned by uid ${st.uid}, which has no passwd entry; pass --owner`,
  );
  return checked({ name: user[0] as string, uid: st.uid, gid: st.gid });
}

function checked(owner: Owner): Owner {
  if (owner.uid === 0)
    throw new UsageError(
      `refusing to write mail as root (owner ${owner.name}); chown the Maildir to the mail user or pass --owner`,
    );
  return owner;
}

function statExisting(maildir: string): fs.Stats {
  const dir = path.resolve(maildir);
  for (const candidate of [dir, path.dirname(dir)]) {
    try {
      return fs.statSync(candidate);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new UsageError(`cannot stat ${candidate}: ${(err as NodeJS.ErrnoException).code}`);
    }
  }
  throw new UsageError(`neither ${dir} nor its parent exists; create the user's home first`);
}

/** One entry of the passwd or group database, through NSS, as getent prints it. */
function lookup(db: 'passwd' | 'group', key: string, notFound: string): string[] {
  try {
    return execFileSync('getent', [db, key], { encoding: 'utf8' }).trim().split(':');
  } catch {
    throw new UsageError(notFound);
  }
}
