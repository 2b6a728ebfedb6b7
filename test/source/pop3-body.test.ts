import { describe, expect, it } from 'vitest';
import { BodyLineTooLong, Pop3BodyDecoder } from '../../src/source/pop3-body.js';

/** Decodes `answer` fed in the given pieces; returns the stored text, the CRLF count and what followed. */
function decode(pieces: Buffer[], listSize: number, maxLineBytes = 1024) {
  const decoder = new Pop3BodyDecoder(listSize, maxLineBytes);
  let text = '';
  for (const [k, piece] of pieces.entries()) {
    const { content, rest } = decoder.decode(piece);
    text += content.toString('latin1');
    // What followed the end: the rest of this piece and the pieces not yet fed.
    const after = rest && Buffer.concat([rest, ...pieces.slice(k + 1)]).toString('latin1');
    if (after !== undefined) return { text, crlfBytes: decoder.crlfBytes, rest: after };
  }
  return { text, crlfBytes: decoder.crlfBytes, rest: undefined };
}

/** Every way to cut `data` in two, and in three with a one-byte middle piece. */
function splits(data: Buffer): Buffer[][] {
  const out: Buffer[][] = [[data]];
  for (let cut = 1; cut < data.length; cut++) {
    out.push([data.subarray(0, cut), data.subarray(cut)]);
    out.push([data.subarray(0, cut), data.subarray(cut, cut + 1), data.subarray(cut + 1)]);
  }
  return out;
}

// Stuffed dots, a line that is a dot and a CR, a lone CR, a bare LF (counted as CRLF), an empty last line.
const BODY = 'Subject: a\r\n\r\n..one\r\n.\r\r\nlone\rCR\r\n...\r\nbare LF\n\r\n';
const STORED = 'Subject: a\n\n.one\n\r\nlone\rCR\n..\nbare LF\n\n';
const CRLF_BYTES = 47;

describe('Pop3BodyDecoder', () => {
  it('unstuffs dots and makes CRLF LF wherever the answer is split, leaving what follows the end', () => {
    for (const pieces of splits(Buffer.from(`${BODY}.\r\n+OK next\r\n`, 'latin1'))) {
      const where = pieces.map((p) => p.length).join('+');
      expect(decode(pieces, CRLF_BYTES), where).toEqual({ text: STORED, crlfBytes: CRLF_BYTES, rest: '+OK next\r\n' });
    }
  });

  it('leaves out the last line end when the answer is two bytes over LIST (the server added it)', () => {
    for (const pieces of splits(Buffer.from('Subject: a\r\n\r\nno end\r\n.\r\n'))) {
      const where = pieces.map((p) => p.length).join('+');
      expect(decode(pieces, 20, 1024).text, where).toBe('Subject: a\n\nno end');
      expect(decode(pieces, 22, 1024).text, where).toBe('Subject: a\n\nno end\n');
    }
  });

  it('ends at a terminator line with a bare LF, and takes an empty answer', () => {
    expect(decode([Buffer.from('a\r\n.\n')], 3)).toEqual({ text: 'a\n', crlfBytes: 3, rest: '' });
    expect(decode([Buffer.from('.\r\n')], 0)).toEqual({ text: '', crlfBytes: 0, rest: '' });
  });

  it('refuses a line over the limit, also when it spans blocks', () => {
    const decoder = new Pop3BodyDecoder(1e9, 10);
    decoder.decode(Buffer.from('short\r\n123456'));
    expect(() => decoder.decode(Buffer.from('7890X'))).toThrow(BodyLineTooLong);
  });
});
