import { Logger } from '@nestjs/common';

export interface KeyedBatcherOptions<V> {
  /** Used in log lines. */
  name: string;
  intervalMs: number;
  /** A flush starts as soon as this many keys are waiting. */
  maxKeys: number;
  /** Combines a waiting value with a newer one for the same key (the latest ack wins, say). */
  merge: (waiting: V, newer: V) => V;
  write: (batch: ReadonlyMap<string, V>) => Promise<void>;
}

/**
 * Collects values by key and writes them in batches, one write at a time: every `intervalMs`,
 * or at once when `maxKeys` are waiting. Keys bound the memory (one value per key, merged);
 * a failed write puts its values back, merged under anything newer, for the next flush.
 */
export class KeyedBatcher<V> {
  private readonly logger: Logger;
  private waiting = new Map<string, V>();
  private writing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: KeyedBatcherOptions<V>) {
    this.logger = new Logger(options.name);
    this.timer = setInterval(() => void this.flush(), options.intervalMs);
    this.timer.unref();
  }

  add(key: string, value: V): void {
    const waiting = this.waiting.get(key);
    this.waiting.set(key, waiting === undefined ? value : this.options.merge(waiting, value));
    if (this.waiting.size >= this.options.maxKeys) void this.flush();
  }

  get pending(): number {
    return this.waiting.size;
  }

  /** Writes what is waiting (after any write in progress); resolves when it is written or put back. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.waiting.size === 0) return;
    const batch = this.waiting;
    this.waiting = new Map();
    this.writing = this.write(batch);
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
    }
  }

  /** Stops the timer and writes everything still waiting. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(batch: Map<string, V>): Promise<void> {
    try {
      await this.options.write(batch);
    } catch (error) {
      this.logger.warn(`writing ${batch.size} entries failed, kept for the next flush: ${String(error)}`);
      for (const [key, value] of batch) {
        const newer = this.waiting.get(key);
        this.waiting.set(key, newer === undefined ? value : this.options.merge(value, newer));
      }
    }
  }
}
