import { describe, expect, it } from 'vitest';
import { TaskPool } from '../src/task-pool.js';
import { liveHeapBytes } from './support/live-heap.js';

/** A task the test finishes by hand, recording when it started and ended. */
function gate(log: string[], name: string, fail = false) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const task = async () => {
    log.push(`start ${name}`);
    await opened;
    log.push(`end ${name}`);
    if (fail) throw new Error(`${name} failed`);
  };
  return { task, open };
}
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TaskPool', () => {
  it('runs at most `limit` tasks at once; run() waits for a free place', async () => {
    const log: string[] = [];
    const pool = new TaskPool(2);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => gate(log, n));
    await pool.run(a!.task);
    await pool.run(b!.task);
    const third = pool.run(c!.task);
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    b!.open();
    await third;
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    a!.open();
    c!.open();
    await pool.settle();
    expect(log.filter((l) => l.startsWith('end'))).toEqual(['end b', 'end a', 'end c']);
  });

  it('after a failure starts no new task, lets running ones finish, and settle() throws the first failure', async () => {
    const log: string[] = [];
    const pool = new TaskPool(3);
    const slow = gate(log, 'slow');
    const first = gate(log, 'first', true);
    const second = gate(log, 'second', true);
    await pool.run(slow.task);
    await pool.run(first.task);
    await pool.run(second.task);
    first.open();
    await tick();
    second.open();
    await tick();
    await expect(pool.run(gate(log, 'late').task)).rejects.toThrow('first failed');
    const settled = pool.settle().catch((e: unknown) => e);
    await tick();
    expect(log).not.toContain('end slow');
    slow.open();
    expect(((await settled) as Error).message).toBe('first failed');
    expect(log).toContain('end slow');
    expect(log).not.toContain('start late');
  });

  it('settle() resolves when every task succeeded', async () => {
    const log: string[] = [];
    const pool = new TaskPool(1);
    for (const n of ['x', 'y']) await pool.run(async () => void log.push(n));
    await pool.settle();
    expect(log).toEqual(['x', 'y']);
  });

  it('holds nothing for each task that ran beside one that runs long', async () => {
    const pool = new TaskPool(2);
    const long = gate([], 'long');
    await pool.run(long.task);
    const before = liveHeapBytes();
    for (let i = 0; i < 100_000; i++) await pool.run(async () => undefined);
    const grown = liveHeapBytes() - before;
    long.open();
    await pool.settle();
    // A reaction kept per task would be several MB here.
    expect(grown).toBeLessThan(1_000_000);
  });
});
