interface CachedFrame<T> {
  readonly value: Promise<T>;
  bytes: number;
  readonly expiresAt: number;
}

/**
 * Encoded answers shared by every agent that asks the same question: a reconnect storm of agents
 * resuming from the same stream position costs one database read and one encoding, not one per
 * agent. An entry lives `ttlMs` from when it was stored (or the time to live it was stored
 * with); the cache holds at most `maxBytes` of settled values, the least recently used evicted
 * first. A failed load is not kept, nor a value `retain` refuses (an answer only true at the
 * moment it was read).
 */
export class SharedFrameCache<T> {
  /** In use order: Map iteration is insertion order, and a use re-inserts the entry. */
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
    return this.peek(key) ?? this.set(key, load());
  }

  /** The value under `key` when it is there and not expired (pending or settled); counts as a use. */
  peek(key: string): Promise<T> | undefined {
    const cached = this.entries.get(key);
    if (!cached) return undefined;
    this.entries.delete(key);
    if (cached.expiresAt <= this.now()) {
      this.bytes -= cached.bytes;
      return undefined;
    }
    this.entries.set(key, cached);
    return cached.value;
  }

  /** Stores `value` under `key` for `ttlMs`, replacing what was there; returns `value`. */
  set(key: string, value: Promise<T>, ttlMs = this.ttlMs): Promise<T> {
    const existing = this.entries.get(key);
    if (existing) this.delete(key, existing);
    const entry: CachedFrame<T> = { value, bytes: 0, expiresAt: this.now() + ttlMs };
    this.entries.set(key, entry);
    value.then(
      (settled) => {
        if (this.entries.get(key) !== entry) return;
        if (!this.retain(settled)) {
          this.entries.delete(key);
          return;
        }
        entry.bytes = this.sizeOf(settled);
        this.bytes += entry.bytes;
        this.evictOverflow();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
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
    // The least recently used entries come first.
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
