import type { BenchContext } from './bench-context.js';
import { bestOfEach, measure, type Outcome } from './bench-measure.js';
import type { Table } from './bench-report.js';

/** Process start: what a command costs before it does anything (best of ten runs each). */
export async function benchStart(ctx: BenchContext): Promise<Table> {
  const node =
    (args: string[], expectExit = 0) =>
    (): Outcome =>
      measure([process.execPath, ...args], { expectExit, as: ctx.owner });
  const contenders: [string, () => Outcome][] = [
    ['node -e 0 (the floor)', node(['-e', '0'])],
    ['qmail-import --version', node([ctx.cli, '--version'])],
    ['qmail-import --help', node([ctx.cli, '--help'])],
    ['qmail-import import (usage error, exit 2)', node([ctx.cli, 'import'], 2)],
  ];
  const results = await bestOfEach(10, contenders);
  return {
    baseline: 'node -e 0 (the floor)',
    title: 'Process start',
    about: 'Each command ten times as an unprivileged user, the best kept.',
    rows: contenders.map(([name]) => ({
      name,
      outcome: results.get(name) ?? { failed: 'not run' },
    })),
  };
}
