import { describe, expect, it } from 'vitest';
import { whyUnrepresentable } from '../../src/uidl/representable.js';

describe('whyUnrepresentable', () => {
  it.each([
    '1700000000.17',
    '0000001a5f3e2b10',
    'UID17-1234',
    '1795458917.M430569P10295.vm,S=17812,W=18119',
    '<abc@example.com>',
    'x'.repeat(70),
  ])('accepts %s', (uidl) => expect(whyUnrepresentable(uidl)).toBeUndefined());

  it.each([
    ['', /empty/],
    ['.hidden', /starts with "."/],
    ['a/b', /"\/"/],
    ['a:b', /":"/],
    ['a b', /space or control/],
    ['a\tb', /space or control/],
    ['caf\u00e9', /outside printable ASCII/],
    ['x'.repeat(250), /longer than a file name/],
  ])('refuses %j', (uidl, why) => expect(whyUnrepresentable(uidl)).toMatch(why));
});
