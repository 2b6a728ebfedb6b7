/** Progress lines on stderr for long runs: at most one every few seconds, nothing when quiet. */
export class Progress {
  private lastMs = Date.now();

  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly everyMs = 2000,
  ) {}

  update(done: number, total: number): void {
    const now = Date.now();
    if (!this.enabled || now - this.lastMs < this.everyMs) return;
    this.lastMs = now;
    process.stderr.write(`${this.label}: ${done}/${total} messages\n`);
  }
}
