import { execFileSync } from 'node:child_process';

/** Test and demo accounts: the source server's mail owner and the qmail side's mailbox owner. */
export const SOURCE_MAIL_USER = 'qmimport-src';
export const DEMO_MAILBOX_USER = 'qmimport-dst';

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/** A non-root system account, created (as root) when missing. */
export function ensureSystemUser(name: string): SystemUser {
  const existing = getent(name);
  if (existing) return existing;
  execFileSync(
    'useradd',
    [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ],
    { stdio: 'inherit' },
  );
  const created = getent(name);
  if (!created) throw new Error(`useradd ${name} did not create the user`);
  return created;
}

function getent(name: string): SystemUser | undefined {
  try {
    const [, , uid, gid] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
    return { name, uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}
