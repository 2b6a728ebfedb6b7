// The options of each command, as yargs is told them (cli/main.ts puts them together), and the
// argument types derived from them: a renamed or retyped option breaks the build where it is read.

import type { ArgumentsCamelCase, Argv } from 'yargs';
import { READ_TIMEOUT_MS } from '../limits.js';
import { IMAP_SERVER_CHOICES } from '../maildir/imap-server.js';
import { UIDL_MODES } from '../uidl/mode.js';

export function connectionOptions<T>(y: Argv<T>) {
  return y
    .option('host', { type: 'string', describe: 'source server (IMAP and POP3)' })
    .option('imap-host', { type: 'string', describe: 'IMAP server, when not --host' })
    .option('pop3-host', { type: 'string', describe: 'POP3 server, when not --host' })
    .option('imap-port', { type: 'number', describe: 'default 993 with tls, else 143' })
    .option('pop3-port', { type: 'number', describe: 'default 995 with tls, else 110' })
    .option('security', {
      choices: ['tls', 'starttls', 'none'] as const,
      default: 'tls' as const,
      describe: 'how to protect the connections',
    })
    .option('timeout', {
      type: 'number',
      default: READ_TIMEOUT_MS / 1000,
      describe: 'seconds a server may stay silent (greeting, handshake, an answer) before the step fails',
    })
    .option('ca-file', { type: 'string', describe: 'PEM file of a private CA to trust' })
    .option('insecure', {
      type: 'boolean',
      default: false,
      describe: 'do not check the server certificate (loud warning)',
    })
    .option('password-file', {
      type: 'string',
      describe: 'file whose first line is the password (or env QMAIL_IMPORT_PASSWORD)',
    })
    .option('admin-user', {
      type: 'string',
      describe: 'log in as this admin on behalf of each user (SASL PLAIN authzid)',
    })
    .option('admin-password-file', { type: 'string', describe: "file whose first line is the admin's password" })
    .option('apop', {
      type: 'boolean',
      default: false,
      describe: 'POP3: log in with APOP (the password never crosses the wire)',
    })
    .option('owner', { type: 'string', describe: 'USER[:GROUP] to write as when root (default: owner of the Maildir)' })
    .option('allow-symlinked-maildir', {
      type: 'boolean',
      default: false,
      describe: 'the Maildir path itself may be a symlink (links inside it are still refused)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines' })
    .option('verbose', {
      type: 'boolean',
      default: false,
      describe: 'list every message in the text report, not the first few',
    });
}

export function oneUserOptions<T>(y: Argv<T>) {
  return connectionOptions(y)
    .option('user', { type: 'string', demandOption: true, describe: 'source login name' })
    .option('maildir', { type: 'string', demandOption: true, describe: "the user's Maildir" });
}

export function importOptions<T>(y: Argv<T>) {
  return folderOptions(y)
    .option('uidl', {
      choices: UIDL_MODES,
      default: 'auto' as const,
      describe: 'how to match POP3 UIDLs to IMAP messages',
    })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print the plan, write nothing' })
    .option('delete', {
      type: 'boolean',
      default: false,
      describe: 'remove imported messages the source no longer has (default: report them)',
    })
    .option('full', {
      type: 'boolean',
      default: false,
      describe: 'read every folder, even those whose STATUS is as the last complete run saw it',
    })
    .option('restore', {
      type: 'string',
      array: true,
      describe:
        'bring back messages deleted here since the import: a UIDL (INBOX), FOLDER:UID, or all; may be repeated',
    })
    .option('max-size', {
      type: 'string',
      describe:
        'skip and report messages the source announces bigger than this (bytes, or K, M, G: 10M); a later run without it copies them',
    })
    .option('create', {
      type: 'boolean',
      default: false,
      describe: 'create the Maildir when it does not exist (otherwise that is an error: a typo in the path)',
    });
}

export function folderOptions<T>(y: Argv<T>) {
  return y
    .option('folders', {
      choices: ['all', 'inbox'] as const,
      default: 'all' as const,
      describe: 'every folder, or the INBOX alone',
    })
    .option('include', {
      type: 'string',
      describe: 'only folders (besides INBOX) whose name matches this regular expression',
    })
    .option('exclude', { type: 'string', describe: 'no folders whose name matches this regular expression' })
    .option('imap-server', {
      choices: IMAP_SERVER_CHOICES,
      default: 'auto' as const,
      describe:
        "the box's IMAP server, whose UID lists keep the source's UIDs (auto: its files in the Maildir, else the one installed)",
    })
    .option('namespaces', {
      choices: ['personal', 'all'] as const,
      default: 'personal' as const,
      describe: "the user's own folders, or also other users' and shared folders the login can read",
    });
}

export function verifyOptions<T>(y: Argv<T>) {
  return y
    .option('qmail-pop3d', {
      type: 'string',
      describe: 'qmail-pop3d binary (default $QMAIL_POP3D, then /var/qmail/bin/qmail-pop3d)',
    })
    .option('courier-imapd', {
      type: 'string',
      describe: "Courier-IMAP's imapd, run with --imap-server courier (default $COURIER_IMAPD, then /usr/bin/imapd)",
    })
    .option('content', {
      type: 'string',
      describe: 'also compare the bytes of N sampled messages (or "all") with the source',
    })
    .option('strict', {
      type: 'boolean',
      default: false,
      describe: 'exact comparison: mail delivered or deleted here since the import is a mismatch too',
    });
}

/** The accounts of a batch or a check: a users file or vpopmail domains, how their logins are
 *  formed, how many at once, and where their logs go. */
export function accountOptions<T>(y: Argv<T>) {
  return y
    .option('users', {
      type: 'string',
      describe: 'the users file: USER:MAILDIR[:PASSWORD], ADDRESS or ADDRESS::PASSWORD per line',
    })
    .option('domain', {
      type: 'string',
      describe: 'every account of this vpopmail domain (D1,D2,... for several)',
    })
    .option('all-vpopmail', {
      type: 'boolean',
      default: false,
      describe: 'every account of every vpopmail domain',
    })
    .option('vpopmail-home', {
      type: 'string',
      describe: "vpopmail's home directory (default: the vpopmail user's)",
    })
    .option('login-format', {
      type: 'string',
      default: '%u@%d',
      describe: 'source login of a vpopmail address: %u local part, %d domain',
    })
    .option('log-dir', {
      type: 'string',
      describe:
        'where logs, summary and failed.txt go (batch: default ./qmail-import-logs/RUN-TIMESTAMP; check: none unless given)',
    })
    .option('jobs', { type: 'number', default: 1, describe: 'accounts worked on at once' });
}

export function batchOptions<T>(y: Argv<T>) {
  return accountOptions(y).option('mode', {
    choices: ['import', 'verify', 'both'] as const,
    default: 'both' as const,
    describe: 'import, verify, or import then verify each user',
  });
}

/** A builder's options as a handler reads them: the camelCase keys of yargs' ArgumentsCamelCase
 *  (which also holds the dashed spellings, `_`, `$0` and an index signature for any other key),
 *  an option with neither a default nor demandOption optional. */
type ArgsOf<A> = A extends Argv<infer T> ? OptionalWhenUndefined<CamelOnly<ArgumentsCamelCase<T>>> : never;
type CamelOnly<P> = {
  [K in keyof P as string extends K ? never : K extends `${string}-${string}` | '_' | '$0' ? never : K]: P[K];
};
type OptionalWhenUndefined<P> = { [K in keyof P as undefined extends P[K] ? never : K]: P[K] } & {
  [K in keyof P as undefined extends P[K] ? K : never]?: P[K];
};

export type ConnectionArgs = ArgsOf<ReturnType<typeof connectionOptions<{}>>>;
export type OneUserArgs = ArgsOf<ReturnType<typeof oneUserOptions<{}>>>;
export type ImportArgs = ArgsOf<ReturnType<typeof importOptions<{}>>>;
export type FolderArgs = ArgsOf<ReturnType<typeof folderOptions<{}>>>;
export type VerifyArgs = ArgsOf<ReturnType<typeof verifyOptions<{}>>>;
export type BatchOnlyArgs = ArgsOf<ReturnType<typeof batchOptions<{}>>>;

/**
 * Every value of an option given more than once (`--restore a --restore=b c`) as one list where
 * it first stood: the parser keeps an option's last value only (src/cli/main.ts), and a value
 * silently dropped would bring nothing back.
 */
export function gatherRepeated(argv: readonly string[], option: string): string[] {
  const flag = `--${option}`;
  const values: string[] = [];
  const rest: string[] = [];
  let first = -1;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word !== flag && !word.startsWith(`${flag}=`)) {
      rest.push(word);
      continue;
    }
    if (first < 0) first = rest.length;
    if (word !== flag) values.push(word.slice(flag.length + 1));
    // Its values run to the next option, as the parser reads a list.
    while (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('-')) values.push(argv[++i] as string);
  }
  return first < 0 ? rest : [...rest.slice(0, first), flag, ...values, ...rest.slice(first)];
}
