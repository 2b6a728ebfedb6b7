import path from 'node:path';
import { FolderError, type ErrorContext } from '../errors.js';
import { inTempHome, privateDovecotArgs, privateDovecotConfig, runInHome } from './box-tools.js';

/** What doveconf may hand over in the environment: a few settings; more is not an export we know. */
const MAX_EXPORT_BYTES = 1 << 20;

/**
 * The private config's settings (box-tools.ts) for doveadm, as doveconf exports them into the
 * environment: asked once per process. Without them each doveadm run execs doveconf to read the
 * config and then execs itself again with what it exported: two program starts a folder instead
 * of one (docs/imap-uids.md). undefined where doveconf does not export them that way (Dovecot
 * 2.3's DOVECONF_ENV; 2.4 hands a descriptor over instead): each run then reads the config itself.
 */
let exported: Promise<Record<string, string> | undefined> | undefined;

/**
 * Runs `doveadm ARGS` on the Maildir as whoever runs qmail-import, with the private config (no
 * system config, no auth: box-tools.ts), in a temp home of its own. A run that fails is a
 * FolderError with doveadm's last words.
 */
export async function runDoveadm(
  doveadm: string,
  maildir: string,
  args: readonly string[],
  context: ErrorContext,
): Promise<void> {
  const settings = await (exported ??= exportedSettings(doveadm));
  await inTempHome('qmail-import-doveadm-', async (home) => {
    const location = `maildir:${path.resolve(maildir)}`;
    const config = settings
      ? ['-o', `mail_location=${location}`]
      : await privateDovecotArgs(home, location, '/dev/stderr');
    await runInHome(
      doveadm,
      [...config, ...args],
      home,
      (child, stderrTail) =>
        new Promise<void>((resolve, reject) => {
          child.stdout.resume();
          child.once('close', (code) =>
            code === 0
              ? resolve()
              : reject(new Error(`${args.slice(0, 2).join(' ')}: exit ${code}: ${stderrTail().trim()}`)),
          );
        }),
      context,
      settings,
    );
  });
}

/**
 * What `doveconf -e` adds to the environment of the program it starts, asked for as doveadm asks
 * (its service and modules), with `env -0` as that program; undefined when it is not an export of
 * settings (no DOVECONF_ENV) or doveconf cannot run.
 */
async function exportedSettings(doveadm: string): Promise<Record<string, string> | undefined> {
  const doveconf = path.join(path.dirname(doveadm), 'doveconf');
  try {
    return await inTempHome('qmail-import-doveconf-', async (home) => {
      const conf = await privateDovecotConfig(home, '/dev/stderr');
      const args = ['-c', conf, '-f', 'service=doveadm', '-m', 'doveadm', '-m', 'ssl', '-e', 'env', '-0'];
      const out = await runInHome(
        doveconf,
        args,
        home,
        (child) =>
          new Promise<Buffer>((resolve, reject) => {
            const chunks: Buffer[] = [];
            let bytes = 0;
            child.stdout.on('data', (d: Buffer) => {
              bytes += d.length;
              if (bytes <= MAX_EXPORT_BYTES) chunks.push(d);
            });
            child.once('close', (code) =>
              code === 0 && bytes <= MAX_EXPORT_BYTES
                ? resolve(Buffer.concat(chunks))
                : reject(new Error(`exit ${code}`)),
            );
          }),
        {},
      );
      const added: Record<string, string> = {};
      for (const pair of out.toString('utf8').split('\0')) {
        const eq = pair.indexOf('=');
        const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
        if (eq > 0 && !['PATH', 'HOME', 'USER'].includes(name)) added[name] = value;
      }
      return added.DOVECONF_ENV === '1' ? added : undefined;
    });
  } catch (err) {
    if (!(err instanceof FolderError)) throw err;
    return undefined;
  }
}
