import fs from 'node:fs/promises';
import path from 'node:path';
import { fsCall, MessageError, syscallText, type ErrorContext } from '../errors.js';
import { deliver, type MessageSource } from '../maildir/deliver.js';
import { JOURNAL_BATCH } from '../limits.js';
import { saveDovecotKeywords } from '../maildir/dovecot-keywords.js';
import { fsyncDir } from '../maildir/layout.js';
import { recordQuotaUse } from '../maildir/quota.js';
import { hashOurFile } from '../maildir/hash-file.js';
import type { FolderPlan } from '../plan/folder.js';
import type { PlannedMessage } from '../plan/message.js';
import type { JournalEntry } from '../journal-records.js';
import type { Journal } from '../state/journal.js';
import { ContentKey } from '../uidl/content-key.js';
import { EarlierFiles } from './earlier-files.js';
import { emptyOutcome, type FolderOutcome } from './folder-outcome.js';
import type { ImapUidOutcome } from '../maildir/imap-uid-state.js';

/**
 * One folder being written, the way Dovecot's save context works (docs/write-path.md): begin()
 * moves aside our earlier files whose names today's messages need, write() stores one message
 * (from IMAP or POP3 alike), finish() reflags, settles what the source no longer has, fsyncs
 * the directories that changed once, syncs the journal and, last, has the box's UID list written:
 * the folder's one end. Its state is its own.
 */
export class FolderWriteSession {
  /** Our earlier files, for messages to take by content. */
  private readonly pool: EarlierFiles;
  private readonly changedDirs = new Set<'new' | 'cur'>();
  /** Journal lines of messages linked since the directories were last fsynced. */
  private readonly pending: JournalEntry[] = [];
  private publishing: Promise<void> = Promise.resolve();
  private readonly outcome: FolderOutcome = emptyOutcome();

  /** What maildirsize has been told of this session's writes so far. */
  private readonly quotaTold = { bytes: 0, messages: 0 };

  private constructor(
    private readonly dir: string,
    private readonly maildir: string,
    private readonly plan: FolderPlan,
    private readonly journal: Journal,
    private readonly context: ErrorContext,
  ) {
    this.pool = new EarlierFiles(dir, context);
  }

  /** `dir` is the folder's Maildir (the Maildir itself for INBOX); `maildir` holds the quota file. */
  static async begin(
    dir: string,
    maildir: string,
    plan: FolderPlan,
    journal: Journal,
    context: ErrorContext,
  ): Promise<FolderWriteSession> {
    const session = new FolderWriteSession(dir, maildir, plan, journal, context);
    if (plan.dovecotKeywords) await saveDovecotKeywords(dir, plan.dovecotKeywords, context);
    for (const e of plan.earlier) {
      const was = `${e.dir}/${e.file}`;
      let rel = was;
      // A journal line without a hash (docs/journal.md) has the file read; one gone meanwhile is nothing to reuse.
      const sha256 = e.record.sha256 ?? (await hashOurFile(path.join(dir, rel), context));
      if (sha256 === undefined) continue;
      const record = { ...e.record, sha256 };
      if (e.parkAs !== undefined) rel = await session.park(rel, e.parkAs, record);
      session.pool.add(sha256, { rel, was, record, ...(e.heldBack ? { heldBack: e.heldBack } : {}) });
    }
    return session;
  }

  /** Stores one planned message; a message that fails is one report line, a full disk stops the folder. */
  async write(m: PlannedMessage, body: MessageSource, onBytes?: (bytes: number) => void): Promise<void> {
    const context = { ...this.context, uid: m.uid, uidl: m.uidl };
    try {
      // Checked against what the source announced before it gets a name (docs/write-path.md).
      const expectedSize = Number.isFinite(m.size) ? m.size : undefined;
      // A rewrite replaces its own file; a new message may take an earlier file with its bytes,
      // and with none left (a first copy) its bytes are not hashed a second time for a key.
      const into =
        m.action === 'rewrite' && m.from
          ? { replaces: path.join(this.dir, m.from) }
          : this.pool.empty
            ? {}
            : { sameContent: this.pool.take, key: () => new ContentKey() };
      const d = await deliver(
        this.dir,
        { dir: m.dir, file: m.file, mtimeSec: m.mtimeSec, body, expectedSize, onBytes, ...into },
        context,
      );
      // A file to rewrite deleted here meanwhile is not brought back.
      if (m.action === 'rewrite' && d.replacedBytes === undefined) return;
      // Counted after the await: writes run concurrently.
      this.changedDirs.add(m.dir);
      this.outcome.crlfSizes.set(m.name, d.bytes + d.lines);
      if (d.moved) this.outcome.renamedByContent += 1;
      if (d.replacedBytes !== undefined) this.outcome.bytes += d.bytes - d.replacedBytes;
      else if (!d.moved) {
        this.outcome.written += 1;
        this.outcome.writtenBytes += d.bytes;
        this.outcome.bytes += d.bytes;
        this.outcome.messages += 1;
      }
      const stored = { bytes: d.bytes, lines: d.lines, mtimeSec: m.mtimeSec };
      this.pending.push(this.entry({ uid: m.uid, uidl: m.uidl, name: m.name, sha256: d.sha256, size: m.size, stored }));
      if (this.pending.length >= JOURNAL_BATCH) await this.publish();
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      this.outcome.errors.push(err.message);
    }
  }

  /** What was done so far: after a failure part-way, the report still counts what is on disk. */
  get soFar(): FolderOutcome {
    return this.outcome;
  }

  /** One report line: a message that could not even be fetched (`errors`, like a failed write),
   *  or one written from bytes that may not be the stored ones (`notExact`). */
  note(kind: 'errors' | 'notExact', line: string): void {
    this.outcome[kind].push(line);
  }

  /**
   * After every message was written, the folder's one end: flags, what the source no longer has,
   * durability, then the box's UID list for what is now durably there (`uidList`, given by the
   * caller, which knows the box's server).
   */
  async finish(
    deleteGone: boolean,
    uidList?: (outcome: FolderOutcome) => Promise<ImapUidOutcome | undefined>,
  ): Promise<FolderOutcome> {
    for (const m of this.plan.messages) if (m.action === 'reflag' && m.from) await this.reflag(m, m.from);
    for (const m of this.plan.messages)
      if (m.unrecorded) await (m.action === 'too-big' ? this.recordSkip(m) : this.adopt(m));
    const gone = this.pool.left().filter((g) => !g.heldBack);
    // Named as before the run: a file moved out of a name another message needs says where it went.
    this.outcome.goneFromSource = gone.map((g) => (g.was === g.rel ? g.rel : `${g.was}, now ${g.rel}`));
    if (deleteGone) {
      for (const g of gone) await this.remove(g.rel);
      this.outcome.goneDeleted = true;
    }
    await this.sync();
    const imapUids = await uidList?.(this.outcome);
    if (imapUids) this.outcome.imapUids = imapUids;
    return this.outcome;
  }

  /**
   * Runs writes into this session (a fetch loop over IMAP or POP3). When they fail part-way, what
   * was linked is still made durable and nothing else is settled; the failure goes on up.
   */
  async during(writes: () => Promise<void>): Promise<void> {
    try {
      await writes();
    } catch (err) {
      await this.sync().catch(() => undefined);
      throw err;
    }
  }

  /** Names, journal and quota made durable and true; after a failure part-way too, so that
   *  maildirsize never lags behind what is on disk (docs/write-path.md). */
  private async sync(): Promise<void> {
    try {
      await this.publish();
      await this.journal.sync(this.context);
    } finally {
      await this.tellQuota();
    }
  }

  /** maildirsize learns what this session linked or removed since it was last told. */
  private async tellQuota(): Promise<void> {
    const bytes = this.outcome.bytes - this.quotaTold.bytes;
    const messages = this.outcome.messages - this.quotaTold.messages;
    await recordQuotaUse(this.maildir, bytes, messages, this.context);
    this.quotaTold.bytes += bytes;
    this.quotaTold.messages += messages;
  }

  /**
   * The directories first, then the journal lines of what they now hold: a journal line must
   * never outlive its file's name after a power loss, or the next run would take the message as
   * deleted here (docs/write-path.md). Publishing runs one at a time.
   */
  private publish(): Promise<void> {
    this.publishing = this.publishing.then(async () => {
      const lines = this.pending.splice(0);
      const dirs = [...this.changedDirs];
      this.changedDirs.clear();
      for (const sub of dirs) await fsyncDir(path.join(this.dir, sub), this.context);
      for (const line of lines) await this.journal.record(line, this.context);
    });
    return this.publishing;
  }

  private entry(what: Omit<JournalEntry, 'folder' | 'uidValidity'>): JournalEntry {
    const { uid, uidl, size, ...rest } = what;
    return {
      folder: this.plan.folder,
      uidValidity: this.plan.uidValidity,
      ...(uid !== undefined ? { uid } : {}),
      ...(uidl !== undefined ? { uidl } : {}),
      ...(size !== undefined && Number.isFinite(size) ? { size } : {}),
      ...rest,
    };
  }

  /**
   * Moves an earlier file of ours out of a name another message needs. The journal learns the new
   * name first, so a crash in between leaves a record the next run simply does not find.
   */
  private async park(rel: string, parkAs: string, record: JournalEntry): Promise<string> {
    const sub = rel.slice(0, 3) as 'new' | 'cur';
    const info = rel.includes(':') ? rel.slice(rel.indexOf(':')) : '';
    const to = `${sub}/${parkAs}${info}`;
    await this.journal.record({ ...record, name: parkAs }, this.context);
    await this.journal.sync(this.context);
    await fsCall(
      () => fs.rename(path.join(this.dir, rel), path.join(this.dir, to)),
      'rename',
      `${rel}, ${to}`,
      this.context,
    );
    this.changedDirs.add(sub);
    return to;
  }

  /**
   * A rename inside the Maildir keeps the mtime, and qmail-pop3d's UIDL is the name up to ':',
   * which does not change.
   */
  private async reflag(m: PlannedMessage, from: string): Promise<void> {
    const to = `${m.dir}/${m.file}`;
    try {
      await fs.rename(path.join(this.dir, from), path.join(this.dir, to));
      this.outcome.reflagged += 1;
      this.changedDirs.add(m.dir);
    } catch (err) {
      // Gone meanwhile (a POP3 client deleted it): nothing to flag.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.outcome.errors.push(
          new MessageError(syscallText('rename', `${from}, ${to}`, err), { ...this.context, uid: m.uid, uidl: m.uidl })
            .message,
        );
    }
  }

  /** A file that is the message but has no journal line gets one, with the hash of what it holds. */
  private async adopt(m: PlannedMessage): Promise<void> {
    const sha256 = await hashOurFile(path.join(this.dir, m.dir, m.file), this.context);
    if (sha256 !== undefined)
      this.pending.push(this.entry({ uid: m.uid, uidl: m.uidl, name: m.name, sha256, size: m.size }));
  }

  /** A message above --max-size: the journal says so once (docs/journal.md); no file, nothing to fsync. */
  private async recordSkip(m: PlannedMessage): Promise<void> {
    const { folder, uidValidity, maxSize } = this.plan;
    const source = {
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.uidl !== undefined ? { uidl: m.uidl } : {}),
    };
    const line = {
      folder,
      uidValidity,
      ...source,
      size: m.size,
      skipped: 'max-size' as const,
      maxSize: maxSize as number,
    };
    await this.journal.record(line, this.context);
  }

  private async remove(rel: string): Promise<void> {
    const file = path.join(this.dir, rel);
    try {
      const { size } = await fs.lstat(file);
      await fs.unlink(file);
      this.outcome.bytes -= size;
      this.outcome.messages -= 1;
      this.changedDirs.add(rel.slice(0, 3) as 'new' | 'cur');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.outcome.errors.push(new MessageError(syscallText('unlink', file, err), this.context).message);
    }
  }
}
