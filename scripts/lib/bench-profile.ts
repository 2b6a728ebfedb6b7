import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshHome, qmailImport, type BenchContext } from './bench-context.js';
import type { Inbox } from './bench-inbox.js';
import { measure } from './bench-measure.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const TOP = 25;

/**
 * The import of `inbox` once more, into a fresh Maildir, under `node --cpu-prof`, unbundled (the worker that
 * does the work is forked with the same flags and writes its own profile); BENCHMARKS.md gets
 * where its CPU went, by area and by function (self time). The profiles stay in a directory
 * named there, for a closer look (Chrome DevTools, speedscope).
 */
export function profileImport(ctx: BenchContext, inbox: Inbox): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-bench-profile-'));
  // The worker runs as the mailbox owner and writes its profile here itself.
  fs.chownSync(dir, ctx.owner.uid, ctx.owner.gid);
  const maildir = path.join(freshHome(ctx, 'profile'), 'Maildir');
  // tsc's output, not the bundle: the same code, its functions named by their files in the tables.
  const unbundled = { ...ctx, cli: path.join(path.dirname(ctx.cli), '..', 'cli', 'main.js') };
  const run = qmailImport(unbundled, 'import', inbox.user, maildir, ['--folders', 'inbox']);
  const [node, ...rest] = run.argv as [string, ...string[]];
  const o = measure([node, '--cpu-prof', `--cpu-prof-dir=${dir}`, ...rest], run.options);
  const head = [`## CPU profile: import of an INBOX of ${inbox.count} messages`, ''];
  if ('failed' in o) return [...head, `The profiled import failed: ${o.failed}`];
  const profiles = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({
      file: path.join(dir, f),
      profile: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CpuProfile,
    }))
    .sort((a, b) => b.profile.samples.length - a.profile.samples.length);
  const busiest = profiles[0];
  if (!busiest) return [...head, `No profile written into ${dir}.`];
  const all = selfTimes(busiest.profile);
  // Waiting (on the source, the disk) is no CPU: said apart, left out of the shares.
  const idle = [...all.values()].find((s) => s.name === '(idle)')?.us ?? 0;
  const self = [...all.values()].filter((s) => s.name !== '(idle)');
  const total = self.reduce((a, b) => a + b.us, 0);
  const share = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
  const byArea = new Map<string, number>();
  for (const s of self) byArea.set(s.area, (byArea.get(s.area) ?? 0) + s.us);
  return [
    ...head,
    `\`node --cpu-prof\` on a profiled run of the import (${o.seconds.toFixed(1)} s wall, ${o.cpuSeconds.toFixed(1)} s CPU with the profiler on, peak RSS ${o.rssMiB.toFixed(0)} MiB); the busiest of the ${profiles.length} profiles written (one per Node process): ${(total / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle (waiting on the source or the disk), self time of the busy part. The profiles: \`${dir}\`.`,
    '',
    '| area | self time | share |',
    '|---|---:|---:|',
    ...[...byArea]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => `| ${area} | ${(us / 1e6).toFixed(2)} s | ${share(us)} |`),
    '',
    `| top ${TOP} functions | where | self time | share |`,
    '|---|---|---:|---:|',
    ...self
      .sort((a, b) => b.us - a.us)
      .slice(0, TOP)
      .map((s) => `| \`${s.name}\` | ${s.where} | ${(s.us / 1e6).toFixed(2)} s | ${share(s.us)} |`),
  ];
}

/** Self time per function (name and place), summed over the nodes of its call paths. */
function selfTimes(p: CpuProfile): Map<string, { name: string; where: string; area: string; us: number }> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, { name: string; where: string; area: string; us: number }>();
  p.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}@${where}`;
    const entry = out.get(key) ?? {
      name: frame.functionName || '(anonymous)',
      where,
      area: area(frame.url, frame.functionName),
      us: 0,
    };
    entry.us += p.timeDeltas[i] ?? 0;
    out.set(key, entry);
  });
  return out;
}

/** node_modules/<package>, src/<directory>, Node's own code, or V8's pseudo-frames. */
function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : 'native (Node.js C++ bindings: fs, sockets)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const src = /dist\/(src\/[^/]+)\//.exec(url);
  if (src) return src[1] as string;
  return url.startsWith('node:') ? 'Node.js (node:…)' : 'other';
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
}
