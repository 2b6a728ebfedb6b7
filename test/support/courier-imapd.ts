import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Courier-IMAP's Debian packages conflict with Dovecot's, which the tests need: they are unpacked
// (apt-get download, dpkg-deb -x) into a private root, never installed, and imapd runs from there.
// `apt-cache depends courier-imap` names these; libc, libstdc++ and libgdbm come with the box.
const PACKAGES = ['courier-imap', 'courier-base', 'courier-authlib', 'libcourier-unicode4', 'libgamin0', 'libidn12'];
const ROOT = path.join(os.tmpdir(), 'qmail-import-courier-imapd');
const WRAPPER = path.join(ROOT, 'imapd');
const DOWNLOAD_TIMEOUT_MS = 180_000;
const STEP_TIMEOUT_MS = 30_000;

export type CourierImapd = { binary: string } | { skipped: string };

let found: CourierImapd | undefined;

/**
 * An executable that runs Courier-IMAP 5's imapd from the unpacked packages (a shell wrapper that
 * points the loader at their libraries), or why there is none. Unpacked once and kept in the temp
 * directory, so later test files and runs reuse it; every step is bounded in time.
 */
export function courierImapd(): CourierImapd {
  found ??= fs.existsSync(WRAPPER) ? probe() : unpack();
  return found;
}

function unpack(): CourierImapd {
  const work = fs.mkdtempSync(`${ROOT}-`);
  try {
    const debs = path.join(work, 'debs');
    fs.mkdirSync(debs);
    const download = run('apt-get', ['download', ...PACKAGES], debs, DOWNLOAD_TIMEOUT_MS);
    if (download) return { skipped: `apt-get download ${PACKAGES.join(' ')}: ${download}` };
    const root = path.join(work, 'root');
    for (const deb of fs.readdirSync(debs).filter((f) => f.endsWith('.deb'))) {
      const failed = run('dpkg-deb', ['-x', path.join(debs, deb), root], work, STEP_TIMEOUT_MS);
      if (failed) return { skipped: `dpkg-deb -x ${deb}: ${failed}` };
    }
    fs.rmSync(debs, { recursive: true });
    const libs = [
      path.join(ROOT, 'root/usr/lib'),
      ...libDirs(path.join(root, 'usr/lib')).map((d) => path.join(ROOT, 'root/usr/lib', d)),
    ];
    fs.writeFileSync(
      path.join(work, 'imapd'),
      `#!/bin/sh\nLD_LIBRARY_PATH=${libs.join(':')} exec ${ROOT}/root/usr/bin/imapd "$@"\n`,
      { mode: 0o755 },
    );
    // The mailbox owner runs it too (verify runs as the owner).
    fs.chmodSync(work, 0o755);
    try {
      fs.renameSync(work, ROOT);
    } catch {
      // Another test file unpacked it meanwhile: theirs is as good.
    }
    return probe();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Subdirectories of usr/lib that hold shared libraries (the multiarch one, e.g. x86_64-linux-gnu). */
function libDirs(usrLib: string): string[] {
  return fs
    .readdirSync(usrLib, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.readdirSync(path.join(usrLib, e.name)).some((f) => f.includes('.so')))
    .map((e) => e.name);
}

/** imapd run on an empty Maildir must greet PREAUTH and answer LOGOUT. */
function probe(): CourierImapd {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-courier-probe-'));
  try {
    for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(home, 'Maildir', sub), { recursive: true });
    const r = spawnSync(WRAPPER, [path.join(home, 'Maildir')], {
      input: 'z LOGOUT\r\n',
      encoding: 'utf8',
      timeout: STEP_TIMEOUT_MS,
      env: { PATH: '/usr/bin:/bin', HOME: home },
    });
    if (/^\* PREAUTH/m.test(r.stdout ?? '') && /^z OK/m.test(r.stdout ?? '')) return { binary: WRAPPER };
    return { skipped: `Courier's imapd did not run: ${r.error?.message ?? `${r.stdout}${r.stderr}`.slice(-400)}` };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Runs a step; its failure as text, or undefined. */
function run(cmd: string, args: string[], cwd: string, timeout: number): string | undefined {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout });
  if (r.status === 0) return undefined;
  return r.error?.message ?? `exit ${r.status}: ${(r.stderr ?? '').slice(-400)}`;
}
