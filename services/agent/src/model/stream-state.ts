import { StateChecksum } from '@threatline/matcher';
import { checksumItem, type StreamEntry, type StreamShape } from './stream-entry';

/**
 * One stream as this agent holds it: its position (epoch, seq), its entries by key, and the running checksum of
 * those entries, which must equal the checksum the service sends for the same position.
 */
export class StreamState {
  constructor(
    readonly id: string,
    readonly shape: StreamShape,
    public epoch: number,
    public seq: number,
    readonly entries: Map<string, StreamEntry>,
    public sum: StateChecksum,
  ) {}

  /** A stream this agent has never received: epoch 0 is no epoch of the service, so it answers with a snapshot. */
  static empty(id: string, shape: StreamShape): StreamState {
    return new StreamState(id, shape, 0, 0, new Map(), new StateChecksum());
  }

  static checksumOf(shape: StreamShape, entries: Iterable<StreamEntry>): StateChecksum {
    const sum = new StateChecksum();
    for (const entry of entries) sum.add(checksumItem(shape, entry));
    return sum;
  }

  get checksum(): string {
    return this.sum.toHex();
  }

  /** The checksum after replacing the entries of `changes`' keys (null: removed), without changing anything. */
  checksumWith(changes: ReadonlyMap<string, StreamEntry | null>): string {
    const sum = StateChecksum.fromHex(this.sum.toHex());
    for (const [key, entry] of changes) {
      const old = this.entries.get(key);
      if (old !== undefined) sum.remove(checksumItem(this.shape, old));
      if (entry !== null) sum.add(checksumItem(this.shape, entry));
    }
    return sum.toHex();
  }

  /** Applies `changes` (already checked) and moves to `seq`. */
  commit(changes: ReadonlyMap<string, StreamEntry | null>, epoch: number, seq: number): void {
    for (const [key, entry] of changes) {
      const old = this.entries.get(key);
      if (old !== undefined) this.sum.remove(checksumItem(this.shape, old));
      if (entry === null) {
        this.entries.delete(key);
      } else {
        this.entries.set(key, entry);
        this.sum.add(checksumItem(this.shape, entry));
      }
    }
    this.epoch = epoch;
    this.seq = seq;
  }
}
