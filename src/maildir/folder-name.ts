/**
 * IMAP folder names → Maildir++ folder directories, as Courier-IMAP and Dovecot (LAYOUT=maildir++)
 * store them: ".Sent", ".Archive.2019", with "." between levels and each name in IMAP modified
 * UTF-7 (RFC 3501 5.1.3), or in UTF-8 for Courier-IMAP 5 (its `maildirmake --convutf8` form).
 */
/** How the box's IMAP server names folder directories: Courier-IMAP 5 in UTF-8, the others in modified UTF-7. */
export type FolderNameEncoding = 'mutf7' | 'utf8';

export function folderNameEncodingOf(server: string): FolderNameEncoding {
  return server === 'courier' ? 'utf8' : 'mutf7';
}

export type FolderMapping =
  { ok: true; dir: string; virtualName: string; renamed?: string } | { ok: false; reason: string };

/**
 * `parts` are the folder's levels (unicode), e.g. ["Archive", "2019"]. A "." inside a level would
 * read as a level of its own, so it becomes "_" and the rename is reported. Names that cannot be a
 * safe single directory (empty, "/", control characters, "." or ".." levels) are refused.
 */
export function maildirFolderFor(parts: readonly string[], encoding: FolderNameEncoding = 'mutf7'): FolderMapping {
  const levels = parts[0]?.toUpperCase() === 'INBOX' && parts.length > 1 ? parts.slice(1) : parts;
  if (levels.length === 0 || (levels.length === 1 && levels[0]?.toUpperCase() === 'INBOX'))
    return { ok: false, reason: 'is the INBOX' };
  for (const level of levels) {
    if (level === '' || level === '.' || level === '..')
      return { ok: false, reason: `has an empty, "." or ".." level` };
    if (level.includes('/')) return { ok: false, reason: 'contains "/"' };
    if (/[\x00-\x1f\x7f]/.test(level)) return { ok: false, reason: 'contains a control character' };
  }
  const safe = levels.map((l) => l.replaceAll('.', '_'));
  const virtualName = (encoding === 'utf8' ? safe : safe.map(encodeMutf7)).join('.');
  const renamed = safe.some((l, i) => l !== levels[i]) ? levels.join('/') : undefined;
  return { ok: true, dir: `.${virtualName}`, virtualName, ...(renamed ? { renamed } : {}) };
}

/** IMAP modified UTF-7: printable ASCII as is ("&" as "&-"), anything else as "&" + UTF-16BE base64 with "," for "/" + "-". */
export function encodeMutf7(text: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const bytes = Buffer.alloc(pending.length * 2);
    pending.forEach((unit, i) => bytes.writeUInt16BE(unit, i * 2));
    out += `&${bytes.toString('base64').replace(/=+$/, '').replaceAll('/', ',')}-`;
    pending = [];
  };
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x20 && unit <= 0x7e) {
      flush();
      out += unit === 0x26 ? '&-' : text[i];
    } else {
      pending.push(unit);
    }
  }
  flush();
  return out;
}
