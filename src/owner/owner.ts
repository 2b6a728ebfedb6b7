import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { nssEntry } from '../nss.js';
import type { JobKind } from '../jobs/run-job.js';
import type { UserJob } from '../user-job.js';
import { missingMaildirText } from '../maildir/layout.js';

/** The account that owns a mailbox: whom the per-user work runs as. */
export interface Owner {
  /** The passwd name; absent for a numeric --owner with no passwd entry (vpopmail boxes often have none). */
  name?: string;
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
    const numeric = numericOwner(userPart, groupPart);
    if (numeric) return checked(numeric);
    const user = lookup(
      'passwd',
      userPart,
      `--owner: no such user ${userPart} (numeric ids work too: --owner UID:GID)`,
    );
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

/**
 * The job as it runs: as root, with the owner it runs as (import, verify) or would run as (check,
 * which stays root, and reports an owner the import would refuse instead of failing on it, so its
 * logins are still tried). Not root: the job as it is, run as whoever we are.
 */
export function withOwner(kind: JobKind, job: UserJob, spec: string | undefined): UserJob {
  if (process.getuid?.() !== 0) return job;
  if (kind !== 'check') return { ...job, owner: resolveOwner(spec, job.maildir) };
  try {
    return { ...job, owner: resolveOwner(spec, job.maildir) };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return { ...job, ownerRefused: err.message };
  }
}

/** --owner UID:GID in numbers: taken as given, with or without a passwd entry (then with no
 *  supplementary groups). A lone number needs its passwd entry for the group. */
function numericOwner(userPart: string, groupPart: string | undefined): Owner | undefined {
  if (!/^\d+$/.test(userPart) || (groupPart !== undefined && !/^\d+$/.test(groupPart))) return undefined;
  const entry = nssEntry('passwd', userPart);
  if (groupPart === undefined) {
    if (!entry)
      throw new UsageError(
        `--owner ${userPart}: uid ${userPart} has no passwd entry; give its group too: --owner ${userPart}:GID`,
      );
    return { name: entry[0] as string, uid: Number(userPart), gid: Number(entry[3]) };
  }
  return { ...(entry ? { name: entry[0] as string } : {}), uid: Number(userPart), gid: Number(groupPart) };
}

function checked(owner: Owner): Owner {
  if (owner.uid === 0)
    throw new UsageError(
      `refusing to write mail as root (owner ${owner.name ?? 'uid 0'}); chown the Maildir to the mail user or pass --owner`,
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
  throw new UsageError(missingMaildirText(maildir, false));
}

/** One entry of the passwd or group database, through NSS, as getent prints it. */
function lookup(db: 'passwd' | 'group', key: string, notFound: string): string[] {
  const entry = nssEntry(db, key);
  if (!entry) throw new UsageError(notFound);
  return entry;
}
