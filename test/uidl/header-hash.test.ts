import { describe, expect, it } from 'vitest';
import { headerHash } from '../../src/uidl/header-hash.js';

const h = (s: string) => headerHash(Buffer.from(s, 'latin1'));

describe('headerHash', () => {
  const imap = 'Return-Path: <a@x>\r\nFrom: a@x\r\nSubject: hi\r\n there\r\nX-UIDL: 123\r\nStatus: RO\r\n\r\nbody\r\n';
  const pop3 = 'From: a@x\nSubject: hi\n there\nX-Status: A\nX-Keywords: $x\nContent-Length: 4\n\n';

  it('is the same for POP3 TOP and IMAP when only CRs, volatile headers and the body differ', () => {
    expect(h(imap)).toBe(h(pop3));
  });

  it('differs when a header that identifies the message differs', () => {
    expect(h(imap)).not.toBe(h(imap.replace('Subject: hi', 'Subject: ho')));
    expect(h(imap)).not.toBe(h(imap.replace(' there', ' where')));
  });

  it('ignores header lines whose field name is invalid', () => {
    expect(h('From: a@x\nBad Name: y\n\n')).toBe(h('From: a@x\n\n'));
  });

  it('hashes a message without a header/body separator whole, on both sides alike', () => {
    expect(h('From: a@x\r\nno separator')).toBe(h('From: a@x\nno separator'));
  });
});
