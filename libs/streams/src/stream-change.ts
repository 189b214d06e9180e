import type { StreamEntry, StreamId } from '@threatline/protocol';

/** One change to a stream's state: set `key` to `entry`, or drop `key`. */
export type StreamChange<E extends StreamEntry = StreamEntry> =
  { op: 'upsert'; key: string; entry: E } | { op: 'remove'; key: string };

/** Where a stream stands: its epoch and the seq of its last delta. */
export interface StreamHead {
  streamId: StreamId;
  epoch: number;
  /** The seq of the last delta; 0 for a stream that never changed. */
  head: number;
}

export interface AppliedChanges extends StreamHead {
  /** Deltas appended by this call (0 when every change was a no-op). */
  appended: number;
  checksum: string;
}
