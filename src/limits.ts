// Every cap the tool applies, each with its reason.

/** A POP3 or IMAP reply line longer than this is a broken or hostile server (RFC 1939 allows 512). */
export const MAX_POP3_LINE_BYTES = 64 * 1024;

/** No single read from a server may stall longer than this (default of --timeout); a dead link must not hang a batch run. */
export const READ_TIMEOUT_MS = 120_000;

/** An IMAP connection waiting while POP3 works is sent a NOOP this often (a fraction of the read
 *  timeout): idle, it would hit our own read timeout and the server's autologout. */
export const IMAP_KEEPALIVE_FRACTION = 0.4;

/** Longest IMAP response line outside literals (imapflow's maxLineLength; its default is 1 GiB):
 *  FETCH, LIST and CAPABILITY lines are far shorter; a server that never ends a line is refused. */
export const MAX_IMAP_LINE_BYTES = 1024 * 1024;

/** Longest IMAP literal taken into memory (imapflow's maxLiteralSize): we ask for whole bodies only
 *  up to INLINE_FETCH_MAX_BYTES and for bigger ones in download chunks, so anything far beyond
 *  that is a lying server, refused before it fills memory. */
export const MAX_IMAP_LITERAL_BYTES = 16 * 1024 * 1024;

/** One IMAP response in all (imapflow's maxResponseSize): above the literal cap, as imapflow asks. */
export const MAX_IMAP_RESPONSE_BYTES = 2 * MAX_IMAP_LITERAL_BYTES;

/** A POP3 UIDL or LIST answer in all: 70-byte UIDLs (RFC 1939's maximum) for 800,000 messages
 *  fit; a server whose answer never ends is refused before it fills memory. */
export const MAX_POP3_LISTING_BYTES = 64 * 1024 * 1024;

/** Lines of one POP3 UIDL or LIST answer: each line costs an object as well as its bytes. */
export const MAX_POP3_LISTING_LINES = 1_000_000;

/** A POP3 CAPA answer in all: a dozen short lines in practice. */
export const MAX_POP3_CAPA_BYTES = 64 * 1024;

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

/** One answer read whole for matching (a header block, TOP n 0): as big as a literal we take whole. */
export const MAX_POP3_HEADER_BYTES = MAX_IMAP_LITERAL_BYTES;
