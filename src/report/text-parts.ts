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

/** A titled list of one kind of item: the first `shown`, then how many more there are. */
export function section<T>(
  shown: number,
  user: string,
  items: readonly T[],
  title: string,
  line: (item: T) => string,
): string[] {
  if (items.length === 0) return [];
  const more = items.length > shown ? [`  … and ${items.length - shown} more (--verbose or --json lists all)`] : [];
  return [`${user}: ${items.length} ${title}:`, ...items.slice(0, shown).map((i) => `  ${line(i)}`), ...more];
}
