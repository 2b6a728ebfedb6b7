/**
 * At most `limit` tasks at once: run() waits for a free place, settle() waits for every task and
 * throws the first failure. After a failure no new task starts; those under way still finish, so
 * nobody releases a lock or closes a journal under a write that is still running. A caller
 * waiting for a place is woken by the task that ends: racing the running tasks instead would hang
 * a reaction on each of them per wait, and a task that runs long would hold one for every task
 * that ran beside it (two per message of a 100,000-message import).
 */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await new Promise<void>((free) => this.waiting.push(free));
    if (this.failure) throw this.failure.error;
    const p = task().catch((error: unknown) => {
      this.failure ??= { error };
    });
    this.running.add(p);
    void p.finally(() => {
      this.running.delete(p);
      this.waiting.shift()?.();
    });
  }

  async settle(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure.error;
  }
}
