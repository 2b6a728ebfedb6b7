import { UsageError } from '../errors.js';

/**
 * Asks for a password on the terminal, echoing nothing: for a batch run by hand with no password
 * file. Only when stdin is a terminal; a script gets the usage error it can act on.
 */
export function promptPassword(question: string, otherwise: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) return Promise.reject(new UsageError(otherwise));
  // Echo off before the question: nothing typed after seeing it may show.
  input.setRawMode(true);
  process.stderr.write(question);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return finish(typed ? undefined : new UsageError('no password given'));
        if (c === '\u0003' || c === '\u0004') return finish(new UsageError('password prompt cancelled'));
        if (c === '\u007f' || c === '\b') typed = typed.slice(0, -1);
        else typed += c;
      }
    };
    input.on('data', onData);
  });
}
