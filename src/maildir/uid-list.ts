/** A folder's UID list as an IMAP server on the box keeps it: UIDVALIDITY, the next UID it will
 *  give, and the UID of each message, by its Maildir file name up to ':'. */
export interface UidList {
  uidValidity: number;
  nextUid: number;
  entries: { uid: number; name: string }[];
}
