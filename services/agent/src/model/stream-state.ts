import { StateChecksum } from '@threatline/matcher';
import { EntryHasher } from './entry-hasher';
import type { StreamEntry, StreamShape } from './stream-entry';

/** Everything a stream holds: what a snapshot replaces. */
export interface StreamContent {
  entries: Map<string, StreamEntry>;
  sum: StateChecksum;
  epoch: number;
  seq: number;
}

/**
 * One stream as this agent holds it: its position (epoch, seq), its entries by key, and the running checksum of
 * those entries, which must equal the checksum the service sends for the same position.
 */
export class StreamState {
  private readonly hasher: EntryHasher;

  constructor(
    readonly id: string,
    readonly shape: StreamShape,
    public epoch: number,
    public seq: number,
    public entries: Map<string, StreamEntry>,
    public sum: StateChecksum,
  ) {
    this.hasher = new EntryHasher(shape);
  }

  /** A stream this agent has never received: epoch 0 is no epoch of the service, so it answers with a snapshot. */
  static empty(id: string, shape: StreamShape): StreamState {
    return new StreamState(id, shape, 0, 0, new Map(), new StateChecksum());
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

  /** Replaces every entry at once (a snapshot, `sum` already computed over `entries`); returns what it replaced,
   *  for `restore`. */
  replace(entries: Map<string, StreamEntry>, sum: StateChecksum, epoch: number, seq: number): StreamContent {
    const previous = { entries: this.entries, sum: this.sum, epoch: this.epoch, seq: this.seq };
    this.restore({ entries, sum, epoch, seq });
    return previous;
  }

  restore(content: StreamContent): void {
    this.entries = content.entries;
    this.sum = content.sum;
    this.epoch = content.epoch;
    this.seq = content.seq;
  }

  /** Applies `changes` (already checked) and moves to `seq`. */
  commit(changes: ReadonlyMap<string, StreamEntry | null>, epoch: number, seq: number): void {
    for (const [key, entry] of changes) {
      const old = this.entries.get(key);
      if (old !== undefined) this.hasher.remove(this.sum, old);
      if (entry === null) {
        this.entries.delete(key);
      } else {
        this.entries.set(key, entry);
        this.hasher.add(this.sum, entry);
      }
    }
    this.epoch = epoch;
    this.seq = seq;
  }
}
