import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { MessageError } from '../../src/errors.js';
import { deliver, type MessageSource } from '../../src/maildir/deliver.js';
import { ensureMaildir } from '../../src/maildir/layout.js';

// The announced size (Delivery.expectedSize): a message that arrives short or long is its own
// error and never gets a name; counted on the raw bytes, or for POP3 lines in CRLF or LF terms.

let maildir: string;
beforeEach(async () => {
  maildir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-size-')), 'Maildir');
  await ensureMaildir(maildir, {});
});

const RAW = Buffer.from('Subject: s\r\n\r\nline one\r\nline two\r\n');
/** Bodies get copies: deliver() makes their line ends LF in place. */
const copy = (b: Buffer) => Buffer.from(b);
const visible = () => [...fs.readdirSync(path.join(maildir, 'new')), ...fs.readdirSync(path.join(maildir, 'tmp'))];
const put = (body: MessageSource, expectedSize: number) =>
  deliver(maildir, { dir: 'new', file: 'm', mtimeSec: 1_700_000_000, body, expectedSize }, { user: 'u', uid: 7 });

/** POP3's producer: each line with LF, as the POP3 session hands lines over. */
const lines =
  (raw: Buffer): MessageSource =>
  async (write) => {
    for (const l of raw.toString('latin1').split('\r\n').slice(0, -1)) await write(Buffer.from(`${l}\n`, 'latin1'));
  };

describe('deliver against the announced size', () => {
  it('stores a body whose raw size is the announced one, whole or streamed', async () => {
    await put(copy(RAW), RAW.length);
    fs.unlinkSync(path.join(maildir, 'new', 'm'));
    await put(Readable.from([RAW.subarray(0, 5), RAW.subarray(5)].map(copy)), RAW.length);
    expect(visible()).toEqual(['m']);
  });

  it('refuses a short body, names the message and the sizes, and links nothing', async () => {
    const short = Readable.from([copy(RAW.subarray(0, 10))]);
    await expect(put(short, RAW.length)).rejects.toThrow(
      new MessageError(`received 10 of the ${RAW.length} bytes the server announced; not stored`, {
        user: 'u',
        uid: 7,
      }),
    );
    expect(visible()).toEqual([]);
  });

  it('stops a body that runs past the announced size as soon as it does', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled += 1;
        this.push(pulled < 10_000 ? Buffer.alloc(1000, 0x78) : null);
      },
    });
    await expect(put(endless, 5000)).rejects.toThrow(/received more than the 5000 bytes the server announced/);
    expect(pulled).toBeLessThan(100);
    expect(visible()).toEqual([]);
  });

  it('takes POP3 lines in CRLF terms or LF terms (servers like qmail-pop3d), nothing else', async () => {
    await put(lines(RAW), RAW.length);
    fs.unlinkSync(path.join(maildir, 'new', 'm'));
    await put(lines(RAW), RAW.length - 4);
    fs.unlinkSync(path.join(maildir, 'new', 'm'));
    await expect(put(lines(RAW), RAW.length - 9)).rejects.toThrow(/received more than/);
    await expect(put(lines(RAW), RAW.length + 9)).rejects.toThrow(
      `received ${RAW.length} of the ${RAW.length + 9} bytes`,
    );
    expect(visible()).toEqual([]);
  });
});
