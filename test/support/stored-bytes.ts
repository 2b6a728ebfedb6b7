/**
 * A message's bytes as qmail stores them: each CRLF an LF, every other byte (a lone CR, NUL, 8-bit)
 * kept. A plain text replace, apart from src/maildir/line-endings.ts, so that the tests of exact
 * bytes do not take what they expect from the code they test.
 */
export function storedBytes(raw: Buffer): Buffer {
  return Buffer.from(raw.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
}
