/**
 * A word as a shell reads it back: quoted unless plain, so that a value in a report can be copied,
 * and an argument of a tool a shell starts (src/maildir/tool-shell.ts) is one word whatever it holds.
 */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
