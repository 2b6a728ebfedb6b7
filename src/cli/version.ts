import { readFileSync } from 'node:fs';

/** The package's version, as --version prints it and every batch log begins with. */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
