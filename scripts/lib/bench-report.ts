import type { Outcome } from './bench-measure.js';

/** One line of a results table: a tool's best run, or why it failed. */
export interface Row {
  name: string;
  outcome: Outcome;
  /** Messages the run copied: gives messages/s. */
  messages?: number;
  note?: string;
}

export interface Table {
  title: string;
  /** What was measured, one paragraph. */
  about: string;
  rows: Row[];
  /** The row the ratio column divides by. */
  baseline?: string;
}

/** A target of the issue, with the figure this run measured. */
export interface Target {
  what: string;
  target: string;
  measured: string;
  met: boolean | undefined;
}

export interface BenchmarkResults {
  when: string;
  setup: string[];
  versions: [string, string][];
  tables: Table[];
  /** Sections in markdown after the tables (memory growth, the CPU profile). */
  sections: string[][];
  targets: Target[];
  /** The hand-written section on the targets not met, kept from the file this run replaces. */
  reasons: string[];
  reproduce: string;
  notes: string[];
}

export function seconds(o: Outcome | undefined): number | undefined {
  return o && !('failed' in o) ? o.seconds : undefined;
}

/** BENCHMARKS.md from one run's results. */
export function renderBenchmarks(r: BenchmarkResults): string {
  const out: string[] = [
    '# Benchmarks',
    '',
    `Written by \`scripts/benchmark.sh\` on ${r.when}, from one run on one machine (the figures are`,
    "that run's, not averages; the machine is shared, so compare the ratios rather than the seconds).",
    '',
    '## Setup',
    '',
    ...r.setup.map((s) => `- ${s}`),
    '',
    '| component | version |',
    '|---|---|',
    ...r.versions.map(([k, v]) => `| ${k} | ${cell(v)} |`),
    '',
    '## Targets (issue 25)',
    '',
    '| target | wanted | measured | met |',
    '|---|---|---|---|',
    ...r.targets.map(
      (t) =>
        `| ${t.what} | ${t.target} | ${cell(t.measured)} | ${t.met === undefined ? 'not measured' : t.met ? 'yes' : '**no**'} |`,
    ),
    '',
    ...r.reasons,
  ];
  for (const t of r.tables) out.push(...renderTable(t));
  for (const section of r.sections) out.push(...section, '');
  out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '', '## Reproduce', '', '```sh', r.reproduce, '```', '');
  return out.join('\n');
}

/** The heading of the one section a run does not write: it is read from the profiles, by hand. */
const REASONS_HEADING = '## Targets not met: the measured reason, and what it would take';

/**
 * The reasons section of the BENCHMARKS.md a run replaces (up to the next heading of its level),
 * so that a new run keeps it; it names the run its figures come from.
 */
export function keptReasons(previous: string | undefined): string[] {
  const lines = previous?.split('\n') ?? [];
  const start = lines.indexOf(REASONS_HEADING);
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start, end < 0 ? undefined : end);
}

function renderTable(t: Table): string[] {
  const lines = [
    `## ${t.title}`,
    '',
    t.about,
    '',
    `| tool | seconds | messages/s | peak RSS | CPU s | ${t.baseline ? `time ÷ ${t.baseline}'s` : ''} | note |`,
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of t.rows) {
    const o = row.outcome;
    if ('failed' in o) {
      lines.push(`| ${row.name} | failed | | | | | ${cell(o.failed)} |`);
      continue;
    }
    const rate = row.messages ? (row.messages / o.seconds).toFixed(0) : '';
    const base = seconds(t.rows.find((b) => b.name === t.baseline)?.outcome);
    const ratio = base !== undefined && t.baseline !== row.name ? `${(o.seconds / base).toFixed(2)}×` : '';
    lines.push(
      `| ${row.name} | ${o.seconds.toFixed(3)} | ${rate} | ${Number.isNaN(o.rssMiB) ? '' : `${o.rssMiB.toFixed(0)} MiB`} | ${Number.isNaN(o.cpuSeconds) ? '' : o.cpuSeconds.toFixed(2)} | ${ratio} | ${cell(row.note ?? '')} |`,
    );
  }
  lines.push('');
  return lines;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
