import { createHash } from 'node:crypto';
import { MAX_POP3_HEADER_BYTES } from '../limits.js';
import { isVolatileField } from './header-hash.js';

/**
 * A message's content as both protocols show it, for matching POP3 to IMAP (docs/matching.md):
 * SHA-256 of its LF bytes with the header fields servers add or rewrite per protocol left out of
 * its header block (header-hash.ts's list: popa3d over an mbox shows the Status, X-UID and
 * X-IMAPbase lines the IMAP server beside it hides). Everything else counts byte for byte, the
 * body whole. Fed block by block; a header block longer than MAX_POP3_HEADER_BYTES is hashed as it is.
 */
export class ContentKey {
  private readonly hash = createHash('sha256');
  /** The start of a header line whose end has not come yet. */
  private partial: Buffer = Buffer.alloc(0);
  private inHeader = true;
  /** The header field the current line continues is kept. */
  private keep = true;
  private headerBytes = 0;

  update(block: Buffer): void {
    if (!this.inHeader) {
      this.hash.update(block);
      return;
    }
    const data = this.partial.length > 0 ? Buffer.concat([this.partial, block]) : block;
    let start = 0;
    for (let lf = data.indexOf(0x0a); lf >= 0 && this.inHeader; lf = data.indexOf(0x0a, start)) {
      this.headerLine(data.subarray(start, lf + 1));
      start = lf + 1;
    }
    this.partial = data.subarray(start);
    this.headerBytes += block.length;
    if (!this.inHeader || this.headerBytes > MAX_POP3_HEADER_BYTES) this.flushAsBody();
  }

  digest(): string {
    // A message that is all header, without a final line end: its last line counts like the others.
    if (this.inHeader && this.partial.length > 0) this.headerLine(this.partial);
    else this.hash.update(this.partial);
    return this.hash.digest('hex');
  }

  /** One header line (with its LF): kept unless it belongs to a volatile field; an empty line ends the block. */
  private headerLine(line: Buffer): void {
    if (line.length === 1 && line[0] === 0x0a) this.inHeader = false;
    else if (line[0] !== 0x20 && line[0] !== 0x09) {
      const colon = line.indexOf(0x3a);
      this.keep = colon <= 0 || !isVolatileField(line.subarray(0, colon).toString('latin1'));
    }
    if (!this.inHeader || this.keep) this.hash.update(line);
  }

  private flushAsBody(): void {
    this.inHeader = false;
    this.hash.update(this.partial);
    this.partial = Buffer.alloc(0);
  }
}
