import path from 'node:path';
import type { ErrorContext } from '../errors.js';
import { crlfExtra } from '../maildir/line-endings.js';
import type { MaildirEntry } from '../maildir/pop3d-listing.js';
import type { Pop3Message } from '../message-records.js';
import { TaskPool } from '../task-pool.js';
import type { LocalListed } from './compare.js';
import { recordedLines, type ImportRecord } from '../state/records.js';

const LF_COUNT_CONCURRENCY = 16;

/**
 * The CRLF size of each listed file: qmail-pop3d lists stored (LF) sizes, the source CRLF sizes,
 * and a stored file's CRLF size is its size plus its LF count (docs/qmail-pop3d.md). A file the
 * import wrote whose size and mtime are still what the journal recorded is unchanged since it was
 * written and counted: its LF count comes from the journal. Every other file is read (all of them
 * with --strict or without a journal, where `record` is undefined).
 */
export async function crlfSizesOf(
  maildir: string,
  listed: readonly (Pop3Message & { entry?: MaildirEntry })[],
  record: ImportRecord | undefined,
  context: ErrorContext,
): Promise<LocalListed[]> {
  const local: LocalListed[] = new Array(listed.length);
  const toRead: number[] = [];
  listed.forEach((m, i) => {
    const lines = m.entry ? recordedLines(m.entry, record) : 0;
    if (lines === undefined) toRead.push(i);
    else local[i] = { n: m.n, uidl: m.uidl, sizeCrlf: m.size + lines };
  });
  const pool = new TaskPool(LF_COUNT_CONCURRENCY);
  for (const i of toRead)
    await pool.run(async () => {
      const m = listed[i] as (typeof listed)[number];
      const e = m.entry as MaildirEntry;
      local[i] = {
        n: m.n,
        uidl: m.uidl,
        sizeCrlf: m.size + (await crlfExtra(path.join(maildir, e.dir, e.name), context)),
      };
    });
  await pool.settle();
  return local;
}
