interface CachedFrame<T> {
  readonly value: Promise<T>;
  /** The settled value once kept; shared with every other entry that settled with the same value. */
  held?: HeldValue<T>;
  readonly expiresAt: number;
}

/**
 * A value kept under one key or more (a snapshot is both a resume answer and the stream's latest),
 * counted once, with the copies made of it: they are kept, counted and dropped with it.
 */
interface HeldValue<T> {
  readonly value: T;
  readonly keys: Set<string>;
  /** The value's bytes plus its settled copies'. */
  bytes: number;
  copies?: Map<string, Promise<T>>;
}

/**
 * Encoded answers shared by every agent that asks the same question: a reconnect storm of agents
 * resuming from the same stream position costs one database read and one encoding, not one per
 * agent. An entry lives `ttlMs` from when it was stored (or the time to live it was stored
 * with); the cache holds at most `maxBytes` of settled values and of the copies made of them
 * (`copyOf`), each counted once however many keys hold it, the least recently used entries evicted
 * first. A failed load is not kept, nor a value `retain` refuses (an answer only true at the
 * moment it was read).
 */
export class SharedFrameCache<T> {
  /** In use order: Map iteration is insertion order, and a use re-inserts the entry. */
  private readonly entries = new Map<string, CachedFrame<T>>();
  private readonly held = new Map<T, HeldValue<T>>();
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
    if (cached.expiresAt <= this.now()) {
      this.delete(key, cached);
      return undefined;
    }
    this.touch(key, cached);
    return cached.value;
  }

  /** Stores `value` under `key` for `ttlMs`, replacing what was there; returns `value`. */
  set(key: string, value: Promise<T>, ttlMs = this.ttlMs): Promise<T> {
    const existing = this.entries.get(key);
    if (existing) this.delete(key, existing);
    const entry: CachedFrame<T> = { value, expiresAt: this.now() + ttlMs };
    this.entries.set(key, entry);
    value.then(
      (settled) => {
        if (this.entries.get(key) !== entry) return;
        if (!this.retain(settled)) {
          this.entries.delete(key);
          return;
        }
        entry.held = this.hold(key, settled);
        this.evictOverflow();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  }

  /**
   * The copy `name` of a kept value (another encoding of the same frame), made by `make` once for
   * every caller while the value is kept. It is counted when it settles, as a use of the entries
   * holding the value (so older entries make room first), and dropped with the value. A value not
   * kept (evicted meanwhile, or alone over the bound) gets a copy of its own, kept by no one; so
   * does a caller after a failed copy.
   */
  copyOf(value: T, name: string, make: () => Promise<T>): Promise<T> {
    const held = this.held.get(value);
    if (!held) return make();
    held.copies ??= new Map();
    const kept = held.copies.get(name);
    if (kept) return kept;
    const copy = make();
    held.copies.set(name, copy);
    copy.then(
      (settled) => {
        // Pending copies count nothing; one whose value went meanwhile goes with it.
        if (this.held.get(value) !== held) return;
        const bytes = this.sizeOf(settled);
        held.bytes += bytes;
        this.bytes += bytes;
        for (const key of held.keys) {
          const entry = this.entries.get(key);
          if (entry) this.touch(key, entry);
        }
        this.evictOverflow();
      },
      () => {
        if (held.copies?.get(name) === copy) held.copies.delete(name);
      },
    );
    return copy;
  }

  /** Drops expired entries; called from a timer so idle entries do not pin memory. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.delete(key, entry);
  }

  /** The bytes kept: every settled value once, and every settled copy made of one. */
  get totalBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.held.clear();
    this.bytes = 0;
  }

  private hold(key: string, value: T): HeldValue<T> {
    let held = this.held.get(value);
    if (!held) {
      held = { value, keys: new Set(), bytes: this.sizeOf(value) };
      this.held.set(value, held);
      this.bytes += held.bytes;
    }
    held.keys.add(key);
    return held;
  }

  private touch(key: string, entry: CachedFrame<T>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  private evictOverflow(): void {
    // The least recently used entries come first.
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) return;
      this.delete(key, entry);
    }
  }

  /** Removes an entry; its value (and the copies of it) are released with the last key holding it. */
  private delete(key: string, entry: CachedFrame<T>): void {
    this.entries.delete(key);
    const held = entry.held;
    if (!held) return;
    held.keys.delete(key);
    if (held.keys.size > 0) return;
    this.held.delete(held.value);
    this.bytes -= held.bytes;
  }
}
