import net from 'node:net';
import { createInterface } from 'node:readline';

/**
 * A plain IMAP session on loopback that logs in and sends each command as written, one after
 * the other, returning each command's answer lines (untagged ones and its tagged one): the server's
 * own words, for commands a library would hide or rewrite (CHANGEDSINCE, SELECT … QRESYNC).
 */
export async function rawImapSession(
  port: number,
  login: { user: string; password: string },
  commands: readonly string[],
): Promise<string[][]> {
  const socket = net.connect(port, '127.0.0.1');
  const lines = createInterface({ input: socket })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error('the IMAP server closed the connection');
    return r.value;
  };
  const answer = async (tag: string): Promise<string[]> => {
    const got: string[] = [];
    for (;;) {
      const line = await next();
      got.push(line);
      if (line.startsWith(`${tag} `)) return got;
    }
  };
  try {
    await next();
    socket.write(`l LOGIN "${login.user}" "${login.password}"\r\n`);
    const loggedIn = await answer('l');
    if (!/^l OK/.test(loggedIn.at(-1) ?? '')) throw new Error(`login refused: ${loggedIn.join('\n')}`);
    const out: string[][] = [];
    for (const [i, command] of commands.entries()) {
      socket.write(`t${i} ${command}\r\n`);
      out.push(await answer(`t${i}`));
    }
    socket.write('z LOGOUT\r\n');
    await answer('z');
    return out;
  } finally {
    socket.destroy();
  }
}

/** A FETCH answer's UID and FLAGS, from lines like `* 3 FETCH (UID 7 FLAGS (\Seen) MODSEQ (12))`. */
export function fetchedFlags(lines: readonly string[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const line of lines) {
    const fetch = /^\* \d+ FETCH \((.*)\)$/.exec(line)?.[1];
    const uid = fetch && /UID (\d+)/.exec(fetch);
    const flags = fetch && /FLAGS \(([^)]*)\)/.exec(fetch);
    if (uid && flags)
      out.set(
        Number(uid[1]),
        (flags[1] ?? '').split(' ').filter((f) => f && f !== '\\Recent'),
      );
  }
  return out;
}

/** The number in a response code such as `* OK [HIGHESTMODSEQ 42]`, if the lines hold it. */
export function responseCode(lines: readonly string[], code: string): bigint | undefined {
  for (const line of lines) {
    const m = new RegExp(`^\\* OK \\[${code} (\\d+)\\]`).exec(line);
    if (m) return BigInt(m[1] as string);
  }
  return undefined;
}
