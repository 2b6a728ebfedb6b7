import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import type { ErrorContext } from '../errors.js';
import { FETCH_RANGE_BYTES, FETCH_RANGE_UIDS, INLINE_FETCH_MAX_BYTES } from '../limits.js';
import type { ImapMessageMeta } from '../message-records.js';
import { downloadWhole, imapCall, namedDownload } from './imap-link.js';

/** A message body: small ones come whole from a pipelined range fetch, big ones as a stream;
 *  `size` is the RFC822.SIZE the server announced, which the bytes received must match. */
export type MessageBody = { uid: number; size: number } & ({ buffer: Buffer } | { stream: Readable });

/** What fetchBodies could not do: messages gone meanwhile, and messages whose bytes may not be the stored ones. */
export interface BodiesRead {
  /** UIDs the server no longer had (expunged since the listing). */
  vanished: number[];
  /** Messages written whose NUL bytes, if the source holds any, may be 0x80 here (docs/write-path.md). */
  notExact: { uid: number; reason: string }[];
}

/** IMAP may not carry a NUL byte in BODY[] (RFC 3501): Dovecot sends 0x80 in its place. */
const NUL_STAND_IN = 0x80;
const LF = 0x0a;
const NO_BINARY = 'the server has no BINARY (RFC 3516), so a NUL byte it sends as 0x80 cannot be told from a real 0x80';
const STREAMED = `streamed (over ${INLINE_FETCH_MAX_BYTES} bytes), and its BINARY answer holds NUL bytes: they may be stored where 0x80 was written`;
const DECODED =
  'its BINARY answer decodes its encoded parts, so a NUL byte the server sends as 0x80 cannot be told from a real 0x80';

/**
 * Hands every requested body to `take`, in UID order, as the source stores it (docs/write-path.md).
 * Small messages come from pipelined UID range fetches of BODY.PEEK[]; `take` is awaited inside the
 * fetch loop (imapflow's backpressure), so it must not run IMAP commands. A body holding 0x80 may
 * be a NUL byte the server replaced: with BINARY, it is held until BINARY.PEEK[] of the same range
 * answers, and that answer is taken when it is the same message with NUL bytes where BODY[] had
 * 0x80 (ranges are bounded in bytes, so what is held is too). Messages over INLINE_FETCH_MAX_BYTES
 * are downloaded one by one afterwards as streams, so no big message is ever one Buffer.
 */
export async function fetchBodies(
  client: ImapFlow,
  messages: ImapMessageMeta[],
  take: (body: MessageBody) => Promise<void>,
  context: ErrorContext,
): Promise<BodiesRead> {
  const read: BodiesRead = { vanished: [], notExact: [] };
  const binary = client.capabilities.has('BINARY');
  const sizeOf = new Map(messages.map((m) => [m.uid, m.size]));
  const mayHideNul = (uid: number, bytes: Buffer) => {
    if (!bytes.includes(NUL_STAND_IN)) return false;
    if (!binary) read.notExact.push({ uid, reason: NO_BINARY });
    return binary;
  };
  for (const range of smallRanges(messages)) {
    const wanted = new Set(range);
    const held = new Map<number, Buffer>();
    await imapCall(
      client,
      async () => {
        for await (const m of client.fetch(range.join(','), { uid: true, source: true }, { uid: true })) {
          if (!wanted.has(m.uid) || !m.source) continue;
          wanted.delete(m.uid);
          if (mayHideNul(m.uid, m.source)) held.set(m.uid, m.source);
          else await take({ uid: m.uid, size: sizeOf.get(m.uid) as number, buffer: m.source });
        }
      },
      'cannot fetch messages',
      context,
    );
    read.vanished.push(...wanted);
    if (held.size > 0)
      await imapCall(
        client,
        async () => {
          for await (const m of client.fetch([...held.keys()].join(','), { uid: true, source: true }, binaryFetch)) {
            const body = held.get(m.uid);
            if (!body || !m.source) continue;
            held.delete(m.uid);
            await take({
              uid: m.uid,
              size: sizeOf.get(m.uid) as number,
              buffer: storedOf(body, m.source, read, m.uid),
            });
          }
        },
        'cannot fetch messages (BINARY)',
        context,
      );
    // Expunged between the two answers: BODY[] is all there is.
    for (const [uid, body] of held) await take({ uid, size: sizeOf.get(uid) as number, buffer: body });
  }
  for (const m of messages.filter((m) => m.size > INLINE_FETCH_MAX_BYTES)) {
    const got = await imapCall(client, () => downloadWhole(client, m.uid), `uid ${m.uid}: cannot fetch`, context);
    if (!got.content) {
      read.vanished.push(m.uid);
      continue;
    }
    const seen = new StandInSeen();
    // pipeline, not pipe: a failed download fails the write, and a failed write ends the download.
    const stream = pipeline(namedDownload(client, got.content, m.uid, context), seen, () => undefined);
    await take({ uid: m.uid, size: m.size, stream });
    if (seen.found && (!binary || (await binaryHasNul(client, m.uid, context))))
      read.notExact.push({ uid: m.uid, reason: binary ? STREAMED : NO_BINARY });
  }
  return read;
}

const binaryFetch = { uid: true, binary: true };

/** The messages up to INLINE_FETCH_MAX_BYTES in UID ranges of at most FETCH_RANGE_UIDS messages and FETCH_RANGE_BYTES. */
function smallRanges(messages: readonly ImapMessageMeta[]): number[][] {
  const ranges: number[][] = [];
  let range: number[] = [];
  let bytes = 0;
  for (const m of messages) {
    if (m.size > INLINE_FETCH_MAX_BYTES) continue;
    if (range.length >= FETCH_RANGE_UIDS || (range.length > 0 && bytes + m.size > FETCH_RANGE_BYTES)) {
      ranges.push(range);
      range = [];
      bytes = 0;
    }
    range.push(m.uid);
    bytes += m.size;
  }
  if (range.length > 0) ranges.push(range);
  return ranges;
}

/**
 * The stored bytes from BODY[] and BINARY[] of one message. BINARY[] is taken when it is BODY[]
 * with NUL bytes where BODY[] has 0x80. Otherwise the server decoded encoded parts (RFC 3516 does
 * that for a whole message too) and BODY[] is taken: exact unless a line of the BINARY answer with
 * NUL bytes is in BODY[] with 0x80 in their place (a NUL outside the encoded parts); a NUL of a
 * decoded part is in no line of BODY[].
 */
function storedOf(body: Buffer, binary: Buffer, read: BodiesRead, uid: number): Buffer {
  if (nulsRestored(body, binary)) return binary;
  if (nulStoodIn(body, binary)) read.notExact.push({ uid, reason: DECODED });
  return body;
}

function nulStoodIn(body: Buffer, binary: Buffer): boolean {
  for (let nul = binary.indexOf(0); nul >= 0;) {
    const start = binary.lastIndexOf(LF, nul) + 1;
    const end = binary.indexOf(LF, nul);
    const line = Buffer.from(binary.subarray(start, end < 0 ? binary.length : end));
    for (let i = line.indexOf(0); i >= 0; i = line.indexOf(0, i + 1)) line[i] = NUL_STAND_IN;
    if (body.includes(line)) return true;
    nul = end < 0 ? -1 : binary.indexOf(0, end);
  }
  return false;
}

function nulsRestored(body: Buffer, binary: Buffer): boolean {
  if (body.length !== binary.length) return false;
  let from = 0;
  for (let i = body.indexOf(NUL_STAND_IN); i >= 0; i = body.indexOf(NUL_STAND_IN, i + 1)) {
    if ((binary[i] !== 0 && binary[i] !== NUL_STAND_IN) || !body.subarray(from, i).equals(binary.subarray(from, i)))
      return false;
    from = i + 1;
  }
  return body.subarray(from).equals(binary.subarray(from));
}

/** Passes a stream through, noting whether it held a 0x80 byte. */
class StandInSeen extends Transform {
  found = false;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.found && chunk.includes(NUL_STAND_IN)) this.found = true;
    done(null, chunk);
  }
}

/** Whether BINARY.PEEK[] of a big message holds a NUL byte, streamed and not kept. */
async function binaryHasNul(client: ImapFlow, uid: number, context: ErrorContext): Promise<boolean> {
  const got = await imapCall(
    client,
    () => downloadWhole(client, uid, true),
    `uid ${uid}: cannot fetch (BINARY)`,
    context,
  );
  if (!got.content) return false;
  let nul = false;
  for await (const chunk of namedDownload(client, got.content, uid, context) as AsyncIterable<Buffer>)
    nul ||= chunk.includes(0);
  return nul;
}
