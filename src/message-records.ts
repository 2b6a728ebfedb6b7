// The message records every layer shares: what the source said of a message before any body was
// read. A leaf module, so plan/ and uidl/ (pure) need not import the IMAP or POP3 clients.

/** What matching and writing need to know of one IMAP message. */
export interface ImapMessageMeta {
  uid: number;
  flags: string[];
  /** INTERNALDATE in whole seconds since the epoch. */
  internalDateSec: number;
  /** RFC822.SIZE: the server's size, with CRLF line ends. */
  size: number;
  /** X-UIDL header, if the message has one (qpopper stored its UIDLs there). */
  xUidl?: string;
  messageId?: string;
}

/** One message of the source's POP3 listing (UIDL joined with LIST). */
export interface Pop3Message {
  n: number;
  uidl: string;
  /** Size the source's POP3 LIST reports (CRLF). */
  size: number;
}
