import { StateChecksum } from '@threatline/matcher';
import { EntryHasher } from './entry-hasher';
import type { StreamEntry, StreamShape } from './stream-entry';

/** A stream's entries: by key, or as the list a snapshot gave (distinct keys) until something needs them by key. */
export type HeldEntries = Map<string, StreamEntry> | readonly StreamEntry[] | DeferredEntries;

/**
 * A snapshot's entries (distinct keys) not yet made into objects: a snapshot that came as columns is built into the
 * matcher from them, and its entry objects are made only when something reads them (a save, a delta), after the
 * new matcher serves decisions.
 */
export class DeferredEntries {
  private made: readonly StreamEntry[] | null = null;

  constructor(
    readonly size: number,
    private readonly make: () => readonly StreamEntry[],
  ) {}

  get list(): readonly StreamEntry[] {
    return (this.made ??= this.make());
  }
}

/** Everything a stream holds: what a snapshot replaces. */
export interface StreamContent {
  entries: HeldEntries;
  sum: StateChecksum;
  epoch: number;
  seq: number;
}

/**
 * One stream as this agent holds it: its position (epoch, seq), its entries by key, and the running checksum of
 * those entries, which must equal the checksum the service sends for the same position.
 *
 * A large snapshot is taken as its list of entries: indexing 100,000 keys costs about as much as building the
 * matcher, and nothing on the way to the new matcher needs them by key (the matcher build checks that no key comes
 * twice). The index is built on the first use by key (a delta, a rebuild from several streams); saving and
 * counting read the list.
 */
export class StreamState {
  private readonly hasher: EntryHasher;
  private keyed: Map<string, StreamEntry> | null = null;
  private listed: readonly StreamEntry[] | DeferredEntries = [];

  constructor(
    readonly id: string,
    readonly shape: StreamShape,
    public epoch: number,
    public seq: number,
    entries: HeldEntries,
    public sum: StateChecksum,
  ) {
    this.hasher = new EntryHasher(shape);
    this.hold(entries);
  }

  /** A stream this agent has never received: epoch 0 is no epoch of the service, so it answers with a snapshot. */
  static empty(id: string, shape: StreamShape): StreamState {
    return new StreamState(id, shape, 0, 0, new Map(), new StateChecksum());
  }

  /** The entries by key (indexed here on first use after a snapshot taken as a list). */
  get entries(): Map<string, StreamEntry> {
    if (this.keyed === null) {
      const listed = this.list();
      const keyed = new Map<string, StreamEntry>();
      for (let i = 0; i < listed.length; i++) keyed.set(listed[i]!.key, listed[i]!);
      this.keyed = keyed;
      this.listed = [];
    }
    return this.keyed;
  }

  get size(): number {
    if (this.keyed !== null) return this.keyed.size;
    return this.listed instanceof DeferredEntries ? this.listed.size : this.listed.length;
  }

  /** The entries, without indexing them by key. */
  values(): Iterable<StreamEntry> {
    return this.keyed === null ? this.list() : this.keyed.values();
  }

  /** The listed entries, made into objects now if they were deferred. */
  private list(): readonly StreamEntry[] {
    if (this.listed instanceof DeferredEntries) this.listed = this.listed.list;
    return this.listed;
  }

  get checksum(): string {
    return this.sum.toHex();
  }

  /** The checksum after replacing the entries of `changes`' keys (null: removed), without changing anything. */
  checksumWith(changes: ReadonlyMap<string, StreamEntry | null>): string {
    const sum = StateChecksum.fromHex(this.sum.toHex());
    for (const [key, entry] of changes) {
      const old = this.entries.get(key);
      if (old !== undefined) this.hasher.remove(sum, old);
      if (entry !== null) this.hasher.add(sum, entry);
    }
    return sum.toHex();
  }

  /** Replaces every entry at once (a snapshot, `sum` already computed over `entries`, a list's keys distinct);
   *  returns what it replaced, for `restore`. */
  replace(entries: HeldEntries, sum: StateChecksum, epoch: number, seq: number): StreamContent {
    const previous = { entries: this.keyed ?? this.listed, sum: this.sum, epoch: this.epoch, seq: this.seq };
    this.restore({ entries, sum, epoch, seq });
    return previous;
  }

  restore(content: StreamContent): void {
    this.hold(content.entries);
    this.sum = content.sum;
    this.epoch = content.epoch;
    this.seq = content.seq;
  }

  /** Applies `changes` (already checked) and moves to `seq`. */
  commit(changes: ReadonlyMap<string, StreamEntry | null>, epoch: number, seq: number): void {
    const entries = this.entries;
    for (const [key, entry] of changes) {
      const old = entries.get(key);
      if (old !== undefined) this.hasher.remove(this.sum, old);
      if (entry === null) {
        entries.delete(key);
      } else {
        entries.set(key, entry);
        this.hasher.add(this.sum, entry);
      }
    }
    this.epoch = epoch;
    this.seq = seq;
  }

  private hold(entries: HeldEntries): void {
    if (entries instanceof Map) {
      this.keyed = entries;
      this.listed = [];
    } else {
      this.keyed = null;
      this.listed = entries;
    }
  }
}
