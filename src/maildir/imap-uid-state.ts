import fs from 'node:fs/promises';
import path from 'node:path';
import { fsCall, type ErrorContext } from '../errors.js';
import { courierLocked, readCourierUiddb, writeCourierUiddb } from './courier-uiddb.js';
import { dovecotKeywordLetters, readDovecotKeywords, writeDovecotKeywords } from './dovecot-keywords.js';
import type { ModseqOutcome } from './dovecot-modseq.js';
import { dovecotLocked, newDovecotGuid, readDovecotUidlist, writeDovecotUidlist } from './dovecot-uidlist.js';
import { resolveImapServer, type ImapServer, type ImapServerChoice } from './imap-server.js';
import { uidlOfName } from './pop3d-listing.js';
import { scanMaildir, type ScannedEntry } from './scan.js';
import { decideUidList, type ImapUidState, type UidListDecision } from './uid-list-plan.js';

export type { ImapUidState } from './uid-list-plan.js';

/** What writing one folder's UID list did, for the report. */
export interface ImapUidOutcome extends Omit<UidListDecision, 'write'> {
  server: Exclude<ImapServer, 'none'>;
  /** The list was (re)written this run. */
  written: boolean;
  /** Dovecot: messages that got their source keywords as letters; keywords past Dovecot's 26. */
  keywordsSet: number;
  keywordsDropped: string[];
  /** Dovecot: the folder's HIGHESTMODSEQ raised to the source's, or why not (src/maildir/dovecot-modseq.ts). */
  modseq?: ModseqOutcome;
}

/**
 * The one step after a folder's messages are written: the box's IMAP server's UID list for the
 * folder, so that it shows the source's UIDVALIDITY and UIDs (docs/imap-uids.md). Runs under the
 * server's own lock; `folderDir` is the Maildir itself for INBOX. Nothing for server "none".
 */
export async function writeImapUidState(
  maildir: string,
  folderDir: string,
  choice: ImapServerChoice,
  state: ImapUidState,
  context: ErrorContext,
): Promise<ImapUidOutcome | undefined> {
  const server = resolveImapServer(choice, maildir).server;
  if (server === 'none') return undefined;
  if (server === 'courier')
    return courierLocked(
      folderDir,
      async () => {
        await moveToCur(folderDir, new Set(state.messages.map((m) => m.name)), context);
        const files = await filesOf(folderDir, context);
        const present = new Set(files.filter((f) => f.dir === 'cur').map((f) => uidlOfName(f.name)));
        const decision = decideUidList(await readCourierUiddb(folderDir, context), present, state);
        if (decision.write) await writeCourierUiddb(folderDir, decision.write, context);
        return outcome('courier', decision, 0, []);
      },
      context,
    );
  return dovecotLocked(
    folderDir,
    async () => {
      const keywords = await setDovecotKeywords(folderDir, state, context);
      const files = await filesOf(folderDir, context);
      const existing = await readDovecotUidlist(folderDir, context);
      const decision = decideUidList(existing, new Set(files.map((f) => uidlOfName(f.name))), state);
      if (decision.write)
        await writeDovecotUidlist(
          maildir,
          folderDir,
          { ...decision.write, guid: existing?.guid || newDovecotGuid() },
          context,
        );
      return outcome('dovecot', decision, keywords.set, keywords.dropped);
    },
    context,
  );
}

function outcome(
  server: 'dovecot' | 'courier',
  { write, ...decision }: UidListDecision,
  keywordsSet: number,
  keywordsDropped: string[],
): ImapUidOutcome {
  return { server, written: write !== undefined, ...decision, keywordsSet, keywordsDropped };
}

async function filesOf(folderDir: string, context: ErrorContext): Promise<ScannedEntry[]> {
  return (await scanMaildir(folderDir, false, context)).filter((e) => e.isFile);
}

/**
 * Courier keeps a UID only for a file in cur/ and numbers anything in new/ itself: our unseen
 * messages move to cur/NAME:2, (no flags: still unseen). qmail-pop3d reads both directories, and
 * a rename keeps the mtime, so its listing does not change.
 */
async function moveToCur(folderDir: string, ours: ReadonlySet<string>, context: ErrorContext): Promise<void> {
  for (const f of await filesOf(folderDir, context)) {
    if (f.dir !== 'new' || !ours.has(uidlOfName(f.name))) continue;
    await renameIn(folderDir, `new/${f.name}`, `cur/${uidlOfName(f.name)}:2,`, context);
  }
}

/**
 * Dovecot shows a Maildir message's keywords from letters a–z in its name, each standing for a
 * line of `dovecot-keywords`; neither it nor Courier shows the letter P that $Forwarded also
 * becomes. Each of our messages whose source keywords it lacks is renamed to carry them.
 */
async function setDovecotKeywords(
  folderDir: string,
  state: ImapUidState,
  context: ErrorContext,
): Promise<{ set: number; dropped: string[] }> {
  const wanted = new Map(state.messages.filter((m) => m.keywords?.length).map((m) => [m.name, m.keywords ?? []]));
  if (wanted.size === 0) return { set: 0, dropped: [] };
  const known = await readDovecotKeywords(folderDir, context);
  let saved = known.join('\n');
  const dropped = new Set<string>();
  let set = 0;
  for (const f of await filesOf(folderDir, context)) {
    const keywords = wanted.get(uidlOfName(f.name));
    if (!keywords) continue;
    const { letters, overflow } = dovecotKeywordLetters(known, keywords);
    for (const k of overflow) dropped.add(k);
    const info = /:2,([A-Za-z]*)$/.exec(f.name)?.[1] ?? '';
    const all = [...new Set([...info, ...letters])].sort().join('');
    if (all === info && f.dir === 'cur') continue;
    // Written first: a name must never carry a letter the file does not define.
    if (known.join('\n') !== saved) {
      await writeDovecotKeywords(folderDir, known, context);
      saved = known.join('\n');
    }
    await renameIn(folderDir, `${f.dir}/${f.name}`, `cur/${uidlOfName(f.name)}:2,${all}`, context);
    set += 1;
  }
  return { set, dropped: [...dropped] };
}

async function renameIn(folderDir: string, from: string, to: string, context: ErrorContext): Promise<void> {
  // Gone meanwhile (a POP3 client deleted it): nothing to rename.
  await fsCall(
    () => fs.rename(path.join(folderDir, from), path.join(folderDir, to)),
    'rename',
    `${from}, ${to}`,
    context,
    {
      expected: { ENOENT: undefined },
    },
  );
}
