import path from 'node:path';
import type { ErrorContext } from '../errors.js';
import { hashOurFile } from '../maildir/hash-file.js';
import type { JournalEntry } from '../journal-records.js';
import { ContentKey } from '../uidl/content-key.js';

/** An earlier file of ours no planned message is (docs/journal.md), relative to its folder. */
export interface EarlierFile {
  rel: string;
  /** Where it was before this run moved it out of a name another message needs (else `rel`). */
  was: string;
  record: JournalEntry;
  heldBack?: true;
}

/**
 * A folder's earlier files of ours, for the messages of this run to take by content (the source
 * renumbered them), each at most once: copies are messages too. What no message takes is mail
 * the source no longer has.
 */
export class EarlierFiles {
  private readonly bySha256 = new Map<string, EarlierFile[]>();
  /** Files not taken yet: with none, a message's bytes need no key (a first copy). */
  private count = 0;
  /** Their content keys, read once a message's bytes match none exactly. */
  private keys?: Promise<Map<EarlierFile, string>>;

  constructor(
    private readonly dir: string,
    private readonly context: ErrorContext,
  ) {}

  /** `sha256`: of the file's bytes, from its journal line or read. */
  add(sha256: string, file: EarlierFile): void {
    (this.bySha256.get(sha256) ?? this.bySha256.set(sha256, []).get(sha256)!).push(file);
    this.count += 1;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  /**
   * The file that holds a message: one with its very bytes, else one with its content apart from
   * the headers a server rewrites for flags (uidl/content-key.ts), which is to take the new bytes.
   */
  readonly take = async (sha256: string, key: string | undefined) => {
    const exact = this.bySha256.get(sha256)?.shift();
    if (exact) {
      this.count -= 1;
      return { file: path.join(this.dir, exact.rel), sameBytes: true };
    }
    if (key === undefined) return undefined;
    this.keys ??= this.readKeys();
    const keys = await this.keys;
    for (const files of this.bySha256.values()) {
      const i = files.findIndex((f) => keys.get(f) === key);
      if (i < 0) continue;
      this.count -= 1;
      return { file: path.join(this.dir, (files.splice(i, 1)[0] as EarlierFile).rel), sameBytes: false };
    }
    return undefined;
  };

  /** The files no message took. */
  left(): EarlierFile[] {
    return [...this.bySha256.values()].flat();
  }

  private async readKeys(): Promise<Map<EarlierFile, string>> {
    const keys = new Map<EarlierFile, string>();
    for (const f of this.left()) {
      const key = await hashOurFile(path.join(this.dir, f.rel), this.context, new ContentKey());
      if (key !== undefined) keys.set(f, key);
    }
    return keys;
  }
}
