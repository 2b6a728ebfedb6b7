import fs from 'node:fs';
import { UsageError } from './errors.js';

/** The text of a file named by a command-line option (a password file, --users, --ca-file); a
 *  file that cannot be read is a usage error naming the option. */
export function readOptionFile(file: string, option: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${option} ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}
