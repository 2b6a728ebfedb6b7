import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../src/errors.js';
import { LineReader } from '../../src/source/line-reader.js';
import { Pop3Session } from '../../src/source/pop3-session.js';

/** A session reading `reply` delivered in the given pieces (a scripted peer: malformed-reply tests only). */
function sessionOver(pieces: Buffer[], timeoutMs = 2000) {
  const stream = new PassThrough();
  const sent: string[] = [];
  const session = new Pop3Session(new LineReader(stream, timeoutMs, 1024), (d) => sent.push(d), 'pop3 test:110', {
    user: 'alice',
  });
  (async () => {
    for (const p of pieces) {
      stream.write(p);
      await new Promise((r) => setImmediate(r));
    }
  })();
  return { session, sent, stream };
}

const REPLIES = Buffer.from(
  '+OK\r\n+OK 2 messages\r\n1 1700000000.1\r\n2 1700000000.2\r\n.\r\n+OK\r\nSubject: x\r\n\r\n..leading dot\r\n...\r\n.\r\n',
);

describe('Pop3Session', () => {
  it('reads a multi-line answer split at every byte offset, unstuffing dots', async () => {
    for (let cut = 1; cut < REPLIES.length; cut++) {
      const { session } = sessionOver([REPLIES.subarray(0, cut), REPLIES.subarray(cut)]);
      await session.greeting();
      expect(await session.uidl(), `cut at ${cut}`).toEqual([
        { n: 1, uidl: '1700000000.1' },
        { n: 2, uidl: '1700000000.2' },
      ]);
      const lines = (await session.multiline('RETR 1')).map((l) => l.toString());
      expect(lines, `cut at ${cut}`).toEqual(['Subject: x', '', '.leading dot', '..']);
    }
  });

  it('reads an answer delivered one byte at a time', async () => {
    const reply = Buffer.from('+OK hi\r\n+OK\r\n1 120\r\n2 99 extra\r\n.\r\n');
    const { session } = sessionOver([...reply].map((b) => Buffer.from([b])));
    await session.greeting();
    expect(await session.list()).toEqual([
      { n: 1, size: 120 },
      { n: 2, size: 99 },
    ]);
  });

  it.each([
    ['a reply that is neither +OK nor -ERR', '+OK\r\nHELLO\r\n', /malformed answer to UIDL: "HELLO"/],
    ['a UIDL line without a UIDL', '+OK\r\n+OK\r\n1\r\n.\r\n', /malformed UIDL line: "1"/],
    ['a message number used twice', '+OK\r\n+OK\r\n1 a\r\n1 b\r\n.\r\n', /malformed UIDL line: "1 b"/],
    ['a message number 0', '+OK\r\n+OK\r\n0 a\r\n.\r\n', /malformed UIDL line: "0 a"/],
    ['a connection closed mid-listing', '+OK\r\n+OK\r\n1 a\r\n', /UIDL: connection closed by the peer/],
    ['a line over the limit', `+OK\r\n+OK\r\n1 ${'x'.repeat(2000)}\r\n.\r\n`, /line longer than 1024 bytes/],
  ])('names the server and the user on %s', async (_what, reply, message) => {
    const { session, stream } = sessionOver([Buffer.from(reply)]);
    if (reply.endsWith('1 a\r\n')) setTimeout(() => stream.end(), 20);
    await session.greeting();
    const err = await session.uidl().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/^alice: pop3 test:110: /);
    expect((err as Error).message).toMatch(message);
  });

  it('gives up on a silent server after the read timeout', async () => {
    const { session } = sessionOver([Buffer.from('+OK\r\n')], 50);
    await session.greeting();
    await expect(session.uidl()).rejects.toThrow(/UIDL: stalled: no answer within 0.05 s/);
  });

  it('refuses to send a command with CR or LF in it, and never shows a password', async () => {
    const { session, sent } = sessionOver([Buffer.from('+OK\r\n-ERR [AUTH] nope\r\n')]);
    await session.greeting();
    expect(() => session.send('USER a\r\nDELE 1')).toThrow(/CR or LF/);
    const err = (await session.command('PASS hunter2', 'PASS (password hidden)').catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('PASS (password hidden) refused: -ERR [AUTH] nope');
    expect(err.message).not.toContain('hunter2');
    expect(sent).toEqual(['PASS hunter2\r\n']);
  });

  it('pipelines commands and keeps answers in order, a -ERR for one not stopping the rest', async () => {
    const reply = '+OK\r\n+OK\r\nSubject: 1\r\n\r\n.\r\n-ERR no such message\r\n+OK\r\nSubject: 3\r\n\r\n.\r\n';
    const { session, sent } = sessionOver([Buffer.from(reply)]);
    await session.greeting();
    const got: string[] = [];
    await session.pipelined(['TOP 1 0', 'TOP 2 0', 'TOP 3 0'], true, (i, answer) =>
      got.push(`${i}:${Array.isArray(answer) ? answer[0]?.toString() : 'ERR'}`),
    );
    expect(sent).toEqual(['TOP 1 0\r\n', 'TOP 2 0\r\n', 'TOP 3 0\r\n']);
    expect(got).toEqual(['0:Subject: 1', '1:ERR', '2:Subject: 3']);
  });

  it('reads CAPA, and takes -ERR to CAPA as "no capabilities"', async () => {
    const a = sessionOver([Buffer.from('+OK\r\n+OK\r\nSTLS\r\nSASL PLAIN LOGIN\r\n.\r\n')]);
    await a.session.greeting();
    expect(await a.session.capabilities()).toEqual(
      new Map([
        ['STLS', ''],
        ['SASL', 'PLAIN LOGIN'],
      ]),
    );
    const b = sessionOver([Buffer.from('+OK\r\n-ERR unknown command\r\n')]);
    await b.session.greeting();
    expect(await b.session.capabilities()).toEqual(new Map());
  });

  describe('readMessage: the bytes a POP3 client gets', () => {
    const read = async (reply: string, listSize: number) => {
      const { session, sent } = sessionOver([Buffer.from(`+OK\r\n${reply}`)]);
      await session.greeting();
      let text = '';
      const used = await session.readMessage(1, listSize, (content) => {
        text += content.toString('latin1');
      });
      return { text, used, sent, retrReads: session.retrReads };
    };

    it('streams a big message with RETR and reads the next answer after it, wherever the answer is split', async () => {
      // RETR, then the RSET that keeps the message unread at the source, then QUIT.
      const reply = Buffer.from('+OK\r\n+OK\r\nSubject: a\r\n\r\n..one\r\n.\r\n+OK\r\n+OK bye\r\n');
      for (let cut = 1; cut < reply.length; cut++) {
        const { session, sent } = sessionOver([reply.subarray(0, cut), reply.subarray(cut)]);
        await session.greeting();
        let text = '';
        expect(await session.readMessage(1, 2e9, (content) => void (text += content.toString()))).toBe('RETR');
        expect(text, `cut at ${cut}`).toBe('Subject: a\n\n.one\n');
        expect(await session.command('QUIT'), `cut at ${cut}`).toBe('bye');
        expect(sent).toEqual(['RETR 1\r\n', 'RSET\r\n', 'QUIT\r\n']);
      }
    });

    it('takes TOP when its byte count is the LIST size', async () => {
      const r = await read('+OK\r\nSubject: a\r\n\r\nbody\r\n.\r\n', 20);
      expect(r).toEqual({ text: 'Subject: a\n\nbody\n', used: 'TOP', sent: ['TOP 1 999999999\r\n'], retrReads: 0 });
    });

    it('reads with RETR when TOP carries an extra empty line that LIST does not count', async () => {
      const top = '+OK\r\nSubject: a\r\n\r\n\r\nbody\r\n.\r\n';
      const r = await read(`${top}+OK\r\nSubject: a\r\n\r\nbody\r\n.\r\n+OK\r\n`, 20);
      expect(r).toEqual({
        text: 'Subject: a\n\nbody\n',
        used: 'RETR',
        sent: ['TOP 1 999999999\r\n', 'RETR 1\r\n', 'RSET\r\n'],
        retrReads: 1,
      });
    });

    it('gives the last line without a line end when the server added the CRLF (LIST is 2 bytes less)', async () => {
      const answer = '+OK\r\nSubject: a\r\n\r\nno end\r\n.\r\n';
      const r = await read(`${answer}${answer}+OK\r\n`, 20);
      expect(r.text).toBe('Subject: a\n\nno end');
      expect(r.used).toBe('RETR');
    });
  });
});
