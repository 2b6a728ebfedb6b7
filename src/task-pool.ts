/**
 * At most `limit` tasks at once: run() waits for a free place, settle() waits for every task and
 * throws the first failure. After a failure no new task starts; those under way still finish, so
 * nobody releases a lock or closes a journal under a write that is still running.
 */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure) throw this.failure.error;
    const p = task().catch((error: unknown) => {
      this.failure ??= { error };
    });
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  async settle(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure.error;
  }
}
