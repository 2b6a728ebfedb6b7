import path from 'node:path';
import { FolderError, type ErrorContext } from '../errors.js';
import { BOX_IMAP_TIMEOUT_MS } from '../limits.js';
import { inTempHome, privateDovecotConfig, runInHome } from './box-tools.js';
import { ToolShell, type ToolExit } from './tool-shell.js';

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
 * The shell that starts this process's doveadm runs (tool-shell.ts): started at the first run, as
 * whoever the process runs as by then (a worker drops to the owner before its first job), and
 * ended with the process. One for the process, not one per account: each start of a program by
 * a Node process costs it a fork (docs/imap-uids.md).
 */
let shell: { uid: number | undefined; started: Promise<DoveadmShell> } | undefined;

/**
 * Runs `doveadm ARGS` on the Maildir as whoever runs qmail-import, with the private config (no
 * system config, no auth: box-tools.ts), in the tool shell's temp home. A run that fails, or is
 * stuck past BOX_IMAP_TIMEOUT_MS (then killed), is a FolderError with doveadm's last words.
 */
export async function runDoveadm(
  doveadm: string,
  maildir: string,
  args: readonly string[],
  context: ErrorContext,
): Promise<void> {
  const location = `maildir:${path.resolve(maildir)}`;
  const current = await currentShell(doveadm);
  let exit: ToolExit;
  try {
    const { tools, config } = await current.started;
    exit = await tools.run(doveadm, [...config(location), ...args], BOX_IMAP_TIMEOUT_MS);
  } catch (err) {
    throw new FolderError(`cannot run ${doveadm}: ${(err as Error).message}`, { ...context, cause: err });
  }
  if (exit.code !== 0)
    throw new FolderError(
      `cannot run ${doveadm}: ${args.slice(0, 2).join(' ')}: ${exit.code === null ? 'killed, stuck' : `exit ${exit.code}`}: ${exit.stderr.trim()}`,
      context,
    );
}

/** The process's shell; a new one if it could not start, ended (killed), or runs as another user. */
async function currentShell(doveadm: string): Promise<NonNullable<typeof shell>> {
  const uid = process.getuid?.();
  const seen = shell;
  const alive = (s: DoveadmShell) => s.tools.alive;
  if (seen && seen.uid === uid && (await seen.started.then(alive, () => false))) return seen;
  // Another run may have replaced it meanwhile: one new shell, not two.
  if (shell && shell !== seen && shell.uid === uid) return shell;
  shell = { uid, started: startShell(doveadm) };
  return shell;
}

type DoveadmShell = { tools: ToolShell; config: (location: string) => string[] };

/** A tool shell with the exported settings, or without them with a config file in its home. */
async function startShell(doveadm: string): Promise<DoveadmShell> {
  const settings = await (exported ??= exportedSettings(doveadm));
  const tools = await ToolShell.start('qmail-import-doveadm-', settings ?? {});
  if (settings) return { tools, config: (location: string) => ['-o', `mail_location=${location}`] };
  const conf = await privateDovecotConfig(tools.home, '/dev/stderr');
  return { tools, config: (location: string) => ['-c', conf, '-o', `mail_location=${location}`] };
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
