// Every cap the tool applies, each with its reason.

/** A POP3 or IMAP reply line longer than this is a broken or hostile server (RFC 1939 allows 512). */
export const MAX_POP3_LINE_BYTES = 64 * 1024;

/** No single read from a server may stall longer than this (default of --timeout); a dead link must not hang a batch run. */
export const READ_TIMEOUT_MS = 120_000;

/** A plain connection (--security none or starttls) that has had no greeting this long asks, on a
 *  second connection, whether the port answers TLS: a TLS port sends a plain client nothing, and
 *  the whole --timeout would pass before "stalled". Servers greet at once; a few seconds spare one
 *  that looks its client up in DNS first. */
export const GREETING_TLS_PROBE_MS = 3_000;

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

/** A message read over POP3 up to this size is read with TOP and held until its size is checked against
 *  LIST (TOP leaves it unseen); a bigger one is read with RETR, streamed, so memory stays bounded. */
export const TOP_CHECK_MAX_BYTES = INLINE_FETCH_MAX_BYTES;

/** How far a TOP answer may run past the LIST size before it is taken as a message that never ends
 *  (some servers' TOP carries an empty line more than RETR: a few bytes, not kilobytes). */
export const TOP_EXTRA_MAX_BYTES = 64 * 1024;

/** UIDs per pipelined IMAP body fetch: enough to hide round trips, few enough to keep commands short. */
export const FETCH_RANGE_UIDS = 500;

/** Bytes per pipelined IMAP body fetch: a range's bodies that may hide a NUL byte are held until
 *  BINARY answers for them (src/source/imap-bodies.ts), so a range's size bounds that memory. */
export const FETCH_RANGE_BYTES = 32 * 1024 * 1024;

/** Bytes per partial FETCH of a message streamed whole (imapflow's download chunk; its default is
 *  64 KiB): each chunk is one round trip, so a 6 MB attachment over a 30 ms link cost ~100 of them.
 *  Bigger chunks than this cost memory (each is held a few times over as it is parsed and
 *  converted) and gain little: a 200 MiB message kept ~100 MiB at 64 KiB, ~200 MiB at 4 MiB. */
export const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

/** Message writes in flight at once: fsync is the cost, and it overlaps well across files. */
export const WRITE_CONCURRENCY = 32;

/** Messages linked between two directory fsyncs (each followed by their journal lines): one
 *  fsync per batch, not per message, and a bounded list of lines waiting. */
export const JOURNAL_BATCH = 500;

/** Longest line of the import journal read: a record is a few hundred bytes (a folder name, a
 *  UIDL, a file name, a hash); the owner can write that file, and a longer line is skipped with a
 *  warning as it is read, never held whole. */
export const MAX_JOURNAL_LINE_BYTES = 64 * 1024;

/** Longest file name Linux file systems take (NAME_MAX). */
export const NAME_MAX_BYTES = 255;

/** The longest info suffix we append to an INBOX name: ":2," plus every flag letter we write. */
export const MAX_INFO_SUFFIX_BYTES = ':2,DFPRST'.length;

/** qmail-pop3d's own idle timeout is 20 minutes; our verify session ends long before. */
export const QMAIL_POP3D_TIMEOUT_MS = 300_000;

/** Longest line accepted inside a message fetched over POP3: long HTML or base64 lines exist, unbounded ones are an attack. */
export const MAX_MESSAGE_LINE_BYTES = 16 * 1024 * 1024;

/** A dotlock of the box's IMAP server (dovecot-uidlist.lock, Courier's tmp/courier.lock) older than
 *  this is stale: both servers override theirs after 120 s, so a lock that old holds nothing. */
export const IMAP_SERVER_LOCK_STALE_SEC = 120;

/** How long we wait for the box's IMAP server to release its lock before giving the folder up:
 *  past the stale age, so a crashed server's lock is always taken over within it. */
export const IMAP_SERVER_LOCK_WAIT_MS = (IMAP_SERVER_LOCK_STALE_SEC + 5) * 1000;

/** Dovecot keeps at most 26 keywords per Maildir folder, one letter a–z each (maildir-keywords.c). */
export const DOVECOT_MAX_KEYWORDS = 26;

/** Folders whose HIGHESTMODSEQ raise (one doveadm each, docs/imap-uids.md) runs beside the next
 *  folders' work: its start is the cost, and it overlaps with waiting on the source. */
export const MODSEQ_RAISES_AT_ONCE = 2;

/** verify's run of the box's IMAP server on a Maildir: a few commands per folder, long done by then. */
export const BOX_IMAP_TIMEOUT_MS = 300_000;

/** One answer read whole for matching (a header block, TOP n 0): as big as a literal we take whole. */
export const MAX_POP3_HEADER_BYTES = MAX_IMAP_LITERAL_BYTES;

/** Ctrl-C in a batch: how long a running user may take to reach its next safe point before its
 *  worker is ended outright (a job between messages has nothing half-written). */
export const STOP_GRACE_MS = 15_000;

/** Plain status lines of a batch when stderr is not a terminal: often enough to see it move,
 *  seldom enough for a log of a night's run to stay readable. */
export const STATUS_LINE_EVERY_MS = 10_000;
