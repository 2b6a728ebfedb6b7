/** The pieces every text report is built of. */

/** "2.4 MB": decimal units, as disk and quota figures are usually given. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** "1 message", "2 messages": the count and its word, `many` where the plural is not `one` + s. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A titled list of one kind of item: the first `shown`, then how many more there are. The title
 * follows the count ("4 missing here"), or starts with a noun that agrees with it
 * (`['message', 'failed']`: "1 message failed").
 */
export function section<T>(
  shown: number,
  user: string,
  items: readonly T[],
  title: string | readonly [noun: string, rest: string],
  line: (item: T) => string,
): string[] {
  if (items.length === 0) return [];
  const n = items.length;
  const head = typeof title === 'string' ? `${n} ${title}` : `${plural(n, title[0])} ${title[1]}`;
  const more = n > shown ? [`  … and ${n - shown} more (--verbose or --json lists all)`] : [];
  return [`${user}: ${head}:`, ...items.slice(0, shown).map((i) => `  ${line(i)}`), ...more];
}
