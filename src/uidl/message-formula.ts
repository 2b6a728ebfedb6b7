import { createHash } from 'node:crypto';

/**
 * UIDLs that are a function of the message itself rather than of (UIDVALIDITY, UID): a stored
 * X-UIDL header (qpopper; Dovecot's pop3_reuse_xuidl), the Message-ID (OpenWave), or the MD5 hex
 * of the Message-ID (OpenWave, when the Message-ID is no valid UIDL).
 */
export interface MessageFields {
  xUidl?: string;
  messageId?: string;
}

export const MESSAGE_FORMULAS: readonly { name: string; uidlsOf(f: MessageFields): string[] }[] = [
  { name: 'X-UIDL header', uidlsOf: (f) => (f.xUidl ? [f.xUidl] : []) },
  { name: 'Message-ID', uidlsOf: (f) => (f.messageId ? [f.messageId, f.messageId.replace(/^<(.*)>$/, '$1')] : []) },
  {
    name: 'MD5 of Message-ID',
    uidlsOf: (f) => (f.messageId ? [md5(f.messageId), md5(f.messageId.replace(/^<(.*)>$/, '$1'))] : []),
  },
];

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}
