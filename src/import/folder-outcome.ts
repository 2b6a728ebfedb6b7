// What a folder's write session did, apart from the session itself: the report counts it.
import type { ImapUidOutcome } from '../maildir/imap-uid-state.js';

/** What writing one folder did; the plan says the rest. */
export interface FolderOutcome {
  /** Messages linked under their planned name, and their stored bytes. */
  written: number;
  writtenBytes: number;
  /** Messages whose bytes an earlier file of ours already held: that file was renamed instead. */
  renamedByContent: number;
  reflagged: number;
  /** One line per message that could not be written or renamed. */
  errors: string[];
  /** One line per message written whose bytes may not be the stored ones (src/source/imap-bodies.ts). */
  notExact: string[];
  /** Earlier files of ours no source message is any more (dir/file). */
  goneFromSource: string[];
  /** --delete: those files were removed. */
  goneDeleted: boolean;
  /** Each message stored this run (written or renamed), by name: its size counted with CRLF. */
  crlfSizes: Map<string, number>;
  /** The box's IMAP server's UID list, written as the folder's last step. */
  imapUids?: ImapUidOutcome;
  /** Added (negative: removed) stored bytes and messages, for the quota. */
  bytes: number;
  messages: number;
}

/** Nothing done yet. */
export function emptyOutcome(): FolderOutcome {
  return {
    written: 0,
    writtenBytes: 0,
    renamedByContent: 0,
    reflagged: 0,
    errors: [],
    notExact: [],
    goneFromSource: [],
    goneDeleted: false,
    crlfSizes: new Map(),
    bytes: 0,
    messages: 0,
  };
}
