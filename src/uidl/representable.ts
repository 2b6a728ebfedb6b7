import { MAX_INFO_SUFFIX_BYTES, NAME_MAX_BYTES } from '../limits.js';

/**
 * Why qmail-pop3d could not show this UIDL, or undefined when a Maildir file name reproduces it
 * byte for byte. qmail-pop3d's UIDL is the file name up to the first ':' and it escapes nothing
 * (docs/qmail-pop3d.md), so the name must be a plain, visible, single path component.
 */
export function whyUnrepresentable(uidl: string): string | undefined {
  if (uidl.length === 0) return 'empty UIDL';
  if (uidl.startsWith('.')) return 'starts with "." (qmail-pop3d skips such files)';
  if (uidl.includes('/')) return 'contains "/"';
  if (uidl.includes(':')) return 'contains ":" (qmail-pop3d cuts the name there)';
  if (/[\x00-\x20\x7f]/.test(uidl)) return 'contains a space or control character';
  if (/[^\x21-\x7e]/.test(uidl)) return 'contains a byte outside printable ASCII';
  if (Buffer.byteLength(uidl, 'latin1') + MAX_INFO_SUFFIX_BYTES > NAME_MAX_BYTES)
    return `longer than a file name can be (${uidl.length} bytes)`;
  return undefined;
}
