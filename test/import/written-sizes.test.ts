import { describe, expect, it } from 'vitest';
import { checkWrittenSizes, describeSizeMismatch } from '../../src/import/written-sizes.js';

const listing = [
  { n: 1, uidl: 'a', size: 100 },
  { n: 2, uidl: 'b', size: 200 },
  { n: 3, uidl: 'c', size: 300 },
];

describe('checkWrittenSizes', () => {
  it('reports by UIDL each UIDL-named file whose CRLF size differs from the POP3 LIST size', () => {
    const plan = [
      { name: 'a', uidl: 'a', pop3N: 1 },
      { name: 'b', uidl: 'b', pop3N: 2 },
      { name: 'c', uidl: 'c', pop3N: 3 },
    ];
    const written = new Map([
      ['a', 100],
      ['b', 300],
      ['c', 200],
    ]);
    const found = checkWrittenSizes(plan, listing, written);
    expect(found).toEqual([
      { uidl: 'b', n: 2, listSize: 200, fileSize: 300 },
      { uidl: 'c', n: 3, listSize: 300, fileSize: 200 },
    ]);
    expect(describeSizeMismatch(found[0]!)).toMatch(/^uidl b: written file has 300 bytes .* LIST says 200/);
  });

  it('leaves out files not named by their UIDL, messages without a POP3 number, and files not written', () => {
    const plan = [
      { name: '1700000000.V1I2.host', uidl: 'a', pop3N: 1 },
      { name: 'x', pop3N: undefined, uidl: undefined },
      { name: 'c', uidl: 'c', pop3N: 3 },
    ];
    const written = new Map([
      ['1700000000.V1I2.host', 1],
      ['x', 1],
    ]);
    expect(checkWrittenSizes(plan, listing, written)).toEqual([]);
  });

  it('reports a file whose POP3 message LIST left out (no size to match)', () => {
    expect(checkWrittenSizes([{ name: 'z', uidl: 'z', pop3N: 9 }], listing, new Map([['z', 5]]))).toEqual([
      { uidl: 'z', n: 9, listSize: NaN, fileSize: 5 },
    ]);
  });
});
