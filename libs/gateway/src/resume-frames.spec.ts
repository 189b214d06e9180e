import { Metrics } from '@threatline/observability';
import {
  encodeSnapshotBody,
  exclusionEntry,
  exclusionStreamId,
  stateChecksumOf,
  type StreamId,
} from '@threatline/protocol';
import type { StreamReader } from '@threatline/streams';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayMetrics } from './gateway-metrics';
import { DEFAULT_GATEWAY_OPTIONS } from './gateway-options';
import { ResumeFrames } from './resume-frames';
import { encodeSnapshot, toEntriesFormat, type SnapshotRead, type StreamFrame } from './stream-frames';

/** A group's exclusions as the reader lays them out (columns-v1); random names barely compress. */
function exclusionsSnapshot(streamId: StreamId, count: number): SnapshotRead {
  const entries = Array.from({ length: count }, () =>
    exclusionEntry({ type: 'DOMAIN', value: `${randomBytes(12).toString('hex')}.example.org` }),
  );
  return {
    kind: 'snapshot',
    epoch: 1,
    seq: count,
    checksum: stateChecksumOf(streamId, entries),
    count,
    body: encodeSnapshotBody(streamId, entries),
  };
}

/** A reader holding fixed snapshots, counting the reads. */
function readerOf(snapshots: Map<StreamId, SnapshotRead>) {
  const reads: StreamId[] = [];
  const reader = {
    snapshot: (streamId: StreamId) => {
      reads.push(streamId);
      return Promise.resolve(snapshots.get(streamId)!);
    },
  } as unknown as StreamReader;
  return { reader, reads };
}

describe('ResumeFrames entries-v1 copies', () => {
  const opened: ResumeFrames[] = [];
  afterEach(() => opened.splice(0).forEach((frames) => frames.close()));

  it('counts the entries-v1 copy of a kept snapshot in the byte bound: making it evicts the least recently used', async () => {
    const a = exclusionStreamId(randomUUID());
    const b = exclusionStreamId(randomUUID());
    const snapshots = new Map([
      [a, exclusionsSnapshot(a, 500)],
      [b, exclusionsSnapshot(b, 500)],
    ]);
    const frameA = await encodeSnapshot(a, snapshots.get(a)!);
    const frameB = await encodeSnapshot(b, snapshots.get(b)!);
    const copyA = await toEntriesFormat(a, frameA);
    expect(copyA.data.length).toBeGreaterThan(frameA.data.length);
    // Both frames fit, and A with its copy, but not all three.
    const resumeCacheMaxBytes = frameA.data.length + frameB.data.length + copyA.data.length - 1;
    const { reader, reads } = readerOf(snapshots);
    const frames = new ResumeFrames(reader, new GatewayMetrics(new Metrics()), {
      ...DEFAULT_GATEWAY_OPTIONS,
      resumeCacheMaxBytes,
    });
    opened.push(frames);
    const headOf = (stream: StreamId) => ({ epoch: 1, seq: 500, checksum: snapshots.get(stream)!.checksum });

    const keptA = await frames.snapshotAt(a, headOf(a));
    await frames.snapshotAt(b, headOf(b));
    await frames.snapshotAt(b, headOf(b));
    expect(reads).toEqual([a, b]);
    // An agent that reads entries-v1 only, given A's frame: the copy is A's use, B makes room.
    const converted = await frames.inEntriesFormat(a, keptA);
    expect(converted.data.equals(copyA.data)).toBe(true);
    expect(converted.format).toBe('entries-v1');
    await frames.snapshotAt(b, headOf(b));
    expect(reads).toEqual([a, b, b]);

    // B's read made room in turn: A went, and its copy with it; a new read gets a new copy.
    const againA = await frames.snapshotAt(a, headOf(a));
    expect(reads).toEqual([a, b, b, a]);
    const againConverted = await frames.inEntriesFormat(a, againA);
    expect(againConverted).not.toBe(converted);
    expect(await frames.inEntriesFormat(a, againA)).toBe(againConverted);
  });

  it('converts a kept snapshot once for every agent asking, and keeps it while the frame is kept', async () => {
    const a = exclusionStreamId(randomUUID());
    const snapshots = new Map([[a, exclusionsSnapshot(a, 200)]]);
    const { reader, reads } = readerOf(snapshots);
    const frames = new ResumeFrames(reader, new GatewayMetrics(new Metrics()), DEFAULT_GATEWAY_OPTIONS);
    opened.push(frames);
    const head = { epoch: 1, seq: 200, checksum: snapshots.get(a)!.checksum };

    const kept = await frames.snapshotAt(a, head);
    const copies: StreamFrame[] = await Promise.all(
      Array.from({ length: 20 }, () => frames.inEntriesFormat(a, kept)),
    );
    expect(new Set(copies).size).toBe(1);
    expect(await frames.inEntriesFormat(a, await frames.snapshotAt(a, head))).toBe(copies[0]);
    expect(reads).toEqual([a]);
  });
});
