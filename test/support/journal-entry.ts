import type { JournalEntry } from '../../src/journal-records.js';

/** The UIDVALIDITY the plan tests' folders have now. */
export const TEST_UIDVALIDITY = '1700000000';

/** The journal's record of a file we wrote in INBOX under TEST_UIDVALIDITY; its hash is made from its name. */
export const journalEntry = (name: string, over: Partial<JournalEntry> = {}): JournalEntry => ({
  folder: 'INBOX',
  uidValidity: TEST_UIDVALIDITY,
  name,
  sha256: `sha-${name}`,
  ...over,
});
