/**
 * Runs `apply` on the newest target asked for, one run at a time: what is asked while a run is in progress replaces
 * what was asked before it, and is computed only when its turn comes, so a burst of changes costs one more run.
 * `apply` handles its own failures (a run that throws is reported by the promise of those waiting on it).
 */
export class CoalescingRunner<T> {
  private wanted: (() => T) | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly apply: (target: T) => Promise<void>) {}

  /** Asks for the target `wanted` computes; resolves once it (or a newer one) was applied. */
  request(wanted: () => T): Promise<void> {
    this.wanted = wanted;
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves when every target asked for so far is applied. */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.wanted !== null) {
      const compute = this.wanted;
      this.wanted = null;
      await this.apply(compute());
    }
  }
}
