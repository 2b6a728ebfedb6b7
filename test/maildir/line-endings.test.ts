import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { countLf, CrlfToLf, crlfToLfInPlace } from '../../src/maildir/line-endings.js';

/** The conversion of a copy: `data` stays as it was for the next assertion. */
function converted(data: Buffer): Buffer {
  return crlfToLfInPlace(Buffer.from(data)).lf;
}

async function streamed(pieces: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  // Copies: the transform rewrites its chunks in place.
  const copies = pieces.map((piece) => Buffer.from(piece));
  for await (const chunk of Readable.from(copies).pipe(new CrlfToLf())) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

describe('CRLF to LF', () => {
  const input = Buffer.from('a\r\nb\rc\r\n\r\nlast\r');
  const expected = Buffer.from('a\nb\rc\n\nlast\r');

  it('turns CRLF into LF and keeps a lone CR', () => {
    expect(converted(input)).toEqual(expected);
    expect(converted(Buffer.from('no line end'))).toEqual(Buffer.from('no line end'));
  });

  it('gives the same bytes when the stream is split at every offset', async () => {
    for (let cut = 0; cut <= input.length; cut++) {
      expect(await streamed([input.subarray(0, cut), input.subarray(cut)]), `cut at ${cut}`).toEqual(expected);
    }
    expect(await streamed([...input].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it('keeps every other byte as it is: CR CR LF, NUL, 8-bit bytes', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const raw = Buffer.concat([Buffer.from('x\r\r\n\0\x80\xff\r\n', 'latin1'), all]);
    expect(converted(raw)).toEqual(Buffer.concat([Buffer.from('x\r\n\0\x80\xff\n', 'latin1'), all]));
  });

  it('gives what a plain replace gives, and the LF count, for CR and LF in any order and run', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 2000; round++) {
      const text = Array.from({ length: next() % 40 }, () => ['\r', '\n', '\r\n', 'ab', 'c'][next() % 5]).join('');
      const { lf, lines } = crlfToLfInPlace(Buffer.from(text, 'latin1'));
      expect(lf.toString('latin1'), JSON.stringify(text)).toBe(text.replaceAll('\r\n', '\n'));
      expect(lines).toBe(text.split('\n').length - 1);
    }
  });

  it('counts LFs', () => {
    expect(countLf(expected)).toBe(3);
    expect(countLf(Buffer.alloc(0))).toBe(0);
  });
});
