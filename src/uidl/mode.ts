/** How UIDLs are matched (--uidl): auto runs every strategy in turn; off copies over IMAP only. */
export const UIDL_MODES = ['auto', 'formula', 'size', 'header', 'pop3', 'off'] as const;
export type UidlMode = (typeof UIDL_MODES)[number];
