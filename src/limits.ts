// Every cap the tool applies, each with its reason.

/** A POP3 or IMAP reply line longer than this is a broken or hostile server (RFC 1939 allows 512). */
export const MAX_POP3_LINE_BYTES = 64 * 1024;

/** No single read from a server may stall longer than this; a dead link must not hang a batch run. */
export const READ_TIMEOUT_MS = 120_000;

/** Messages up to this size come in pipelined range fetches (held whole in memory one at a time);
 *  bigger ones are streamed to their tmp/ file so a 200 MB message never becomes one Buffer. */
export const INLINE_FETCH_MAX_BYTES = 4 * 1024 * 1024;

/** UIDs per pipelined IMAP body fetch: enough to hide round trips, few enough to keep commands short. */
export const FETCH_RANGE_UIDS = 500;

/** Message writes in flight at once: fsync is the cost, and it overlaps well across files. */
export const WRITE_CONCURRENCY = 32;

/** Longest file name Linux file systems take (NAME_MAX). */
export const NAME_MAX_BYTES = 255;

/** The longest info suffix we append to an INBOX name: ":2," plus every flag letter we write. */
export const MAX_INFO_SUFFIX_BYTES = ':2,DFPRST'.length;

/** qmail-pop3d's own idle timeout is 20 minutes; our verify session ends long before. */
export const QMAIL_POP3D_TIMEOUT_MS = 300_000;

/** Longest line accepted inside a message fetched over POP3: long HTML or base64 lines exist, unbounded ones are an attack. */
export const MAX_MESSAGE_LINE_BYTES = 16 * 1024 * 1024;

/** Ctrl-C in a batch: how long a running user may take to reach its next safe point before its
 *  worker is ended outright (a job between messages has nothing half-written). */
export const STOP_GRACE_MS = 15_000;

/** Plain status lines of a batch when stderr is not a terminal: often enough to see it move,
 *  seldom enough for a log of a night's run to stay readable. */
export const STATUS_LINE_EVERY_MS = 10_000;
