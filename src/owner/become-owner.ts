import process from 'node:process';
import type { Owner } from './owner.js';

// process.initgroups exists on POSIX but is missing from @types/node.
type Credentials = NodeJS.Process & { initgroups?: (user: string, gid: number) => void };

/**
 * Root becomes the mailbox owner for good, in this process: supplementary groups first (only
 * root may set them), then the gid, then the uid, which as root also sets the saved uid, so
 * there is no way back. Then checks that it took, and that root cannot be regained: every
 * file from here on is created by the owner, never written as root and chowned.
 */
export function becomeOwner(owner: Owner): void {
  const p = process as Credentials;
  const { initgroups, setgroups, setgid, setuid, getgroups, geteuid, getegid, getuid, getgid } = p;
  if (!initgroups || !setgroups || !setgid || !setuid || !getgroups || !geteuid || !getegid || !getuid || !getgid)
    throw new Error('this platform cannot change user');
  // A numeric owner with no passwd entry has no supplementary groups to take: its own gid alone.
  if (owner.name !== undefined) initgroups(owner.name, owner.gid);
  else setgroups([owner.gid]);
  setgid(owner.gid);
  setuid(owner.uid);
  const who = `${owner.name ?? 'uid'} (${owner.uid}:${owner.gid})`;
  const ids = [getuid(), geteuid(), getgid(), getegid()];
  if (ids.join() !== [owner.uid, owner.uid, owner.gid, owner.gid].join())
    throw new Error(`could not become ${who}: uid, euid, gid, egid are ${ids.join(', ')}`);
  // Root's own group must not come along as a supplementary group (unless it is the owner's gid).
  if (owner.gid !== 0 && getgroups().includes(0))
    throw new Error(`could not become ${who}: still in group 0 (root) after setting its groups`);
  let regained = false;
  try {
    setuid(0);
    regained = true;
  } catch {
    // EPERM: the drop is for good, as it must be.
  }
  if (regained) throw new Error(`could not become ${who}: root could be taken back after the drop`);
}
