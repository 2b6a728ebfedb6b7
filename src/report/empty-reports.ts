import type { UidlMode } from '../uidl/mode.js';
import type { FolderReport, Pop3Report } from './types.js';

/** The report of a folder this run did not read (left out, failed before writing, unchanged). */
export function emptyFolderReport(name: string): FolderReport {
  return {
    name,
    imapMessages: 0,
    toWrite: 0,
    bytesToWrite: 0,
    written: 0,
    writtenBytes: 0,
    alreadyPresent: 0,
    reflagged: 0,
    droppedFlags: {},
    errors: [],
    overMaxSize: [],
  };
}

/** The INBOX's POP3 section when no POP3 step ran. */
export function emptyPop3Report(uidlMode: UidlMode): Pop3Report {
  return {
    uidlMode,
    pop3Messages: 0,
    uidlsKept: 0,
    matchedBy: {},
    sharedUidls: 0,
    downloadAgain: [],
    unmatchedPop3: [],
    conflicts: [],
    outOfOrder: [],
    readWithRetr: 0,
  };
}
