/** A message to put on the source server. */
export interface SampleMessage {
  /** RFC 5322 bytes with CRLF line ends, as IMAP APPEND wants them. */
  raw: Buffer;
  flags: string[];
  internalDate: Date;
}

export interface SampleOptions {
  count: number;
  /** Same seed, same mailbox: tests and benchmarks are repeatable. */
  seed?: number;
  /** Sizes in bytes to pick from, repeated in turn; default a realistic mix. */
  sizes?: readonly number[];
  /** Newest INTERNALDATE; the rest go back from it. */
  newest?: Date;
}

const MIXED_SIZES = [900, 2_500, 4_000, 12_000, 1_500, 35_000, 3_000, 7_000, 150_000, 2_000];

/**
 * Deterministic sample mail: mixed sizes, about a third \Seen, a few flagged or answered, lines
 * starting with "." (dot-stuffing), and pairs sharing an INTERNALDATE second (mtime ties).
 */
export function sampleMessages(o: SampleOptions): SampleMessage[] {
  let state = o.seed ?? 1;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const sizes = o.sizes ?? MIXED_SIZES;
  const newestSec = Math.floor((o.newest ?? new Date('2026-06-01T12:00:00Z')).getTime() / 1000);
  let dateSec = newestSec - o.count * 3600;
  return Array.from({ length: o.count }, (_, i) => {
    // Every tenth message shares its predecessor's second, as bursts of mail do.
    if (i % 10 !== 9) dateSec += 1 + Math.floor(random() * 7200);
    const flags = [
      ...(random() < 0.35 ? ['\\Seen'] : []),
      ...(random() < 0.05 ? ['\\Flagged'] : []),
      ...(random() < 0.05 ? ['\\Answered', '\\Seen'] : []),
    ];
    return {
      raw: message(i, sizes[i % sizes.length] as number, dateSec),
      flags: [...new Set(flags)],
      internalDate: new Date(dateSec * 1000),
    };
  });
}

function message(i: number, size: number, dateSec: number): Buffer {
  const head = [
    `Return-Path: <sender${i % 7}@old.example>`,
    `From: Sender ${i % 7} <sender${i % 7}@old.example>`,
    `To: user@old.example`,
    `Subject: sample message ${i + 1}`,
    `Date: ${new Date(dateSec * 1000).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <sample-${i + 1}@old.example>`,
    `MIME-Version: 1.0`,
    `Content-Type: text/plain; charset=us-ascii`,
    '',
    `Message ${i + 1}.`,
    '.a line that starts with a dot',
    '..and one with two',
  ].join('\r\n');
  const lines: string[] = [head];
  let length = head.length;
  for (let n = 0; length < size; n++) {
    const line = `line ${n} of message ${i + 1} ${'x'.repeat(n % 60)}`;
    lines.push(line);
    length += line.length + 2;
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}
