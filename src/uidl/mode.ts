/** How UIDLs are matched (--uidl): auto runs every strategy in turn; off copies over IMAP only. */
export type UidlMode = 'auto' | 'formula' | 'size' | 'header' | 'pop3' | 'off';
