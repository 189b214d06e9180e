import { StateChecksum } from '@threatline/matcher';
import {
  EMPTY_CHECKSUM,
  type DeltasMessage,
  type SnapshotMessage,
  type StreamEntry,
  type StreamId,
} from '@threatline/protocol';
import { EntryHasher } from './entry-hasher';

/** How a deltas frame relates to what is held. */
export type DeltasFit = 'next' | 'duplicate' | 'gap' | 'otherEpoch';

/**
 * What the agent holds of one stream: the entries by key, the position (epoch, seq) and the
 * running checksum, kept with the same functions the server uses, so a state can prove it is
 * the server's.
 */
export class StreamState {
  private readonly entryMap = new Map<string, StreamEntry>();
  private sum = new StateChecksum();
  private readonly hasher: EntryHasher;
  private epochValue = 0;
  private seqValue = 0;

  constructor(readonly streamId: StreamId) {
    this.hasher = new EntryHasher(streamId);
  }

  /** 0 until a snapshot was applied. */
  get epoch(): number {
    return this.epochValue;
  }

  get seq(): number {
    return this.seqValue;
  }

  get checksum(): string {
    return this.sum.toHex();
  }

  get size(): number {
    return this.entryMap.size;
  }

  get entries(): ReadonlyMap<string, StreamEntry> {
    return this.entryMap;
  }

  /** Replaces the state; returns the checksum the entries sum to (the caller compares it with the message's). */
  applySnapshot(snapshot: SnapshotMessage): string {
    this.entryMap.clear();
    const sum = new StateChecksum();
    for (const entry of snapshot.entries) {
      this.entryMap.set(entry.key, entry);
      sum.addHash(this.hasher.hash(entry));
    }
    this.sum = sum;
    this.epochValue = snapshot.epoch;
    this.seqValue = snapshot.seq;
    return this.checksum;
  }

  fit(deltas: DeltasMessage): DeltasFit {
    if (deltas.epoch !== this.epochValue) return 'otherEpoch';
    if (deltas.toSeq <= this.seqValue) return 'duplicate';
    return deltas.fromSeq === this.seqValue + 1 ? 'next' : 'gap';
  }

  /** Applies a batch that `fit` called 'next'; returns the checksum of the new state. */
  applyDeltas(deltas: DeltasMessage): string {
    for (const delta of deltas.deltas) {
      const before = this.entryMap.get(delta.key);
      if (before !== undefined) this.sum.removeHash(this.hasher.hash(before));
      if (delta.op === 'upsert') {
        this.entryMap.set(delta.key, delta.entry);
        this.sum.addHash(this.hasher.hash(delta.entry));
      } else {
        this.entryMap.delete(delta.key);
      }
    }
    this.seqValue = deltas.toSeq;
    return this.checksum;
  }

  /** Restores a saved state (the agent's own persistence); the checksum is recomputed, not trusted. */
  static restore(
    streamId: StreamId,
    epoch: number,
    seq: number,
    entries: Iterable<StreamEntry>,
  ): StreamState {
    const state = new StreamState(streamId);
    state.applySnapshot({
      type: 'snapshot',
      v: 1,
      stream: streamId,
      epoch,
      seq,
      checksum: EMPTY_CHECKSUM,
      entries: [...entries],
    });
    return state;
  }
}
