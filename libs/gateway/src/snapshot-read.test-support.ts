import { encodeSnapshotBody, stateChecksumOf, type StreamEntry, type StreamId } from '@threatline/protocol';
import type { SnapshotRead } from './stream-frames';

/** A whole stream's entries (in the order given) as the reader returns a snapshot: columns-v1, epoch 1. */
export function snapshotReadOf(streamId: StreamId, entries: StreamEntry[]): SnapshotRead {
  return {
    kind: 'snapshot',
    epoch: 1,
    seq: entries.length,
    checksum: stateChecksumOf(streamId, entries),
    count: entries.length,
    body: encodeSnapshotBody(streamId, entries),
  };
}
