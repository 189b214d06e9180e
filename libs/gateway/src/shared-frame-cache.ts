interface CachedFrame<T> {
  readonly value: Promise<T>;
  bytes: number;
  expiresAt: number;
}

/**
 * Encoded answers shared by every agent that asks the same question within a short time: a
 * reconnect storm of agents resuming from the same stream position costs one database read and
 * one encoding, not one per agent. Entries live `ttlMs`; the cache holds at most `maxBytes`
 * of settled values (oldest inserted evicted first). A failed load is not kept, nor a value
 * `retain` refuses (an answer only true at the moment it was read).
 */
export class SharedFrameCache<T> {
  private readonly entries = new Map<string, CachedFrame<T>>();
  private bytes = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (value: T) => number,
    private readonly retain: (value: T) => boolean = () => true,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value under `key`, loading it once for all concurrent callers when absent or expired. */
  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.value;
    if (cached) this.delete(key, cached);
    const entry: CachedFrame<T> = { value: load(), bytes: 0, expiresAt: now + this.ttlMs };
    this.entries.set(key, entry);
    entry.value.then(
      (value) => {
        if (this.entries.get(key) !== entry) return;
        if (!this.retain(value)) {
          this.entries.delete(key);
          return;
        }
        entry.bytes = this.sizeOf(value);
        this.bytes += entry.bytes;
        this.evictOverflow();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  /** Stores a value computed elsewhere (the live fan-out read a snapshot anyway). */
  put(key: string, value: T): void {
    const existing = this.entries.get(key);
    if (existing) this.delete(key, existing);
    const bytes = this.sizeOf(value);
    this.entries.set(key, { value: Promise.resolve(value), bytes, expiresAt: this.now() + this.ttlMs });
    this.bytes += bytes;
    this.evictOverflow();
  }

  /** Drops expired entries; called from a timer so idle entries do not pin memory. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.delete(key, entry);
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private evictOverflow(): void {
    // Map iteration is insertion order: the oldest entries go first.
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) return;
      this.delete(key, entry);
    }
  }

  private delete(key: string, entry: CachedFrame<T>): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
