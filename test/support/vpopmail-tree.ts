import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_MAILBOX_USER, ensureSystemUser, type SystemUser } from '../../scripts/lib/system-users.js';

/**
 * A fake ~vpopmail in a temp dir, laid out as vpopmail lays it out: domains/DOMAIN (or a
 * one-character hash directory above it), a vpasswd per domain whose 6th field is each user's
 * home, users in hashed subdirectories; homes owned by the mailbox user, as vpopmail's are.
 */
export class VpopmailTree {
  readonly home = mkdir(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-vpopmail-')));
  readonly owner: SystemUser = ensureSystemUser(DEMO_MAILBOX_USER);

  /** Adds a domain; `hashedDomain` puts it under domains/X/, `vpasswd: false` leaves the file out
   *  (each user then has a Maildir already, as vadduser makes one). Returns the users' homes. */
  addDomain(domain: string, users: string[], o: { hashedDomain?: boolean; vpasswd?: boolean } = {}): string[] {
    const domains = mkdir(path.join(this.home, 'domains'));
    const dir = this.owned(
      path.join(o.hashedDomain ? mkdir(path.join(domains, domain[0] as string)) : domains, domain),
    );
    const homes = users.map((u, i) => {
      // vpopmail hashes users into one-character directories once a domain grows; mix both.
      const parent = i % 2 === 0 ? dir : this.owned(path.join(dir, String(i % 10)));
      return this.owned(path.join(parent, u));
    });
    if (o.vpasswd === false)
      for (const h of homes)
        for (const sub of ['', 'new', 'cur', 'tmp']) this.owned(path.join(h, 'Maildir', sub), 0o700);
    else
      fs.writeFileSync(
        path.join(dir, 'vpasswd'),
        users.map((u, i) => `${u}:$1$x$y:1:0:${u}:${homes[i]}:NOQUOTA\n`).join(''),
        { mode: 0o644 },
      );
    return homes;
  }

  private owned(dir: string, mode = 0o755): string {
    fs.mkdirSync(dir, { mode, recursive: true });
    fs.chownSync(dir, this.owner.uid, this.owner.gid);
    return dir;
  }
}

function mkdir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  return dir;
}
