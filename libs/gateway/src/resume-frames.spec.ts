import { Metrics } from '@threatline/observability';
import {
  decodeSnapshotFrame,
  exclusionEntry,
  exclusionStreamId,
  indicatorEntry,
  mdrTenantStreamId,
  parseSnapshotBytes,
  stateChecksumOf,
  type StreamEntry,
  type StreamId,
} from '@threatline/protocol';
import type { StreamReader } from '@threatline/streams';
import { randomBytes, randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GatewayMetrics } from './gateway-metrics';
import { DEFAULT_GATEWAY_OPTIONS } from './gateway-options';
import { ResumeFrames } from './resume-frames';
import { SnapshotEncoder } from './snapshot-encoder';
import { snapshotReadOf } from './snapshot-read.test-support';
import { encodeSnapshot, toFormat, type SnapshotRead, type StreamFrame } from './stream-frames';

/** Encodes the frames the tests compare the cache's with. */
const encoder = new SnapshotEncoder(1);
afterAll(() => encoder.close());

/** A group's exclusions as the reader lays them out (columns-v1); random names barely compress. */
function exclusionsSnapshot(streamId: StreamId, count: number): SnapshotRead {
  const entries = Array.from({ length: count }, () =>
    exclusionEntry({ type: 'DOMAIN', value: `${randomBytes(12).toString('hex')}.example.org` }),
  );
  return snapshotReadOf(streamId, entries);
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
    const frameA = await encodeSnapshot(a, snapshots.get(a)!, encoder);
    const frameB = await encodeSnapshot(b, snapshots.get(b)!, encoder);
    const copyA = await toFormat(a, frameA, 'entries-v1', encoder);
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
    const converted = await frames.inFormat(a, keptA, 'entries-v1');
    expect(converted.data.equals(copyA.data)).toBe(true);
    expect(converted.format).toBe('entries-v1');
    await frames.snapshotAt(b, headOf(b));
    expect(reads).toEqual([a, b, b]);

    // B's read made room in turn: A went, and its copy with it; a new read gets a new copy.
    const againA = await frames.snapshotAt(a, headOf(a));
    expect(reads).toEqual([a, b, b, a]);
    const againConverted = await frames.inFormat(a, againA, 'entries-v1');
    expect(againConverted).not.toBe(converted);
    expect(await frames.inFormat(a, againA, 'entries-v1')).toBe(againConverted);
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
      Array.from({ length: 20 }, () => frames.inFormat(a, kept, 'entries-v1')),
    );
    expect(new Set(copies).size).toBe(1);
    expect(await frames.inFormat(a, await frames.snapshotAt(a, head), 'entries-v1')).toBe(copies[0]);
    expect(reads).toEqual([a]);
  });
});

/** A tenant's indicators as the reader lays them out (columns-v1 text); the gateway sends them as bytes. */
function indicatorsSnapshot(streamId: StreamId, values: string[]): SnapshotRead {
  const entries = values.map((value, i) =>
    indicatorEntry({ type: 'domain', value, auditId: `MDR-20261124-${i % 3}`, dryRun: i % 5 === 0 }),
  );
  return snapshotReadOf(streamId, entries);
}

/** The entries a frame carries, decoded and checked as an agent does. */
function entriesOf(frame: StreamFrame): StreamEntry[] {
  const split = decodeSnapshotFrame(frame.data);
  if (!split.ok) throw new Error(split.error.message);
  const body = split.header.encoding === 'gzip' ? gunzipSync(split.body) : split.body;
  const decoded = parseSnapshotBytes(split.header, body);
  if (!decoded.ok) throw new Error(decoded.error.message);
  expect(decoded.message.checksum).toBe(frame.checksum);
  return decoded.message.entries;
}

describe('ResumeFrames indicator snapshots', () => {
  const opened: ResumeFrames[] = [];
  afterEach(() => opened.splice(0).forEach((frames) => frames.close()));
  const domains = Array.from({ length: 400 }, () => `${randomBytes(8).toString('hex')}.example.net`);

  it('sends them as indicators-bin-v1, and as columns-v1 or entries-v1 copies, each made once and counted', async () => {
    const a = mdrTenantStreamId(randomUUID());
    const snapshots = new Map([[a, indicatorsSnapshot(a, domains)]]);
    const frame = await encodeSnapshot(a, snapshots.get(a)!, encoder);
    expect(frame.format).toBe('indicators-bin-v1');
    const columns = await toFormat(a, frame, 'columns-v1', encoder);
    const entries = await toFormat(a, frame, 'entries-v1', encoder);
    const sent = entriesOf(frame);
    expect(stateChecksumOf(a, sent)).toBe(frame.checksum);
    expect(entriesOf(columns)).toEqual(sent);
    expect(entriesOf(entries)).toEqual(sent);
    const head = { epoch: 1, seq: domains.length, checksum: frame.checksum };
    const all = frame.data.length + columns.data.length + entries.data.length;

    for (const [bound, reads] of [
      [all, [a]],
      // One byte short: the frame and its two copies do not fit, so the frame goes and is read again.
      [all - 1, [a, a]],
    ] as const) {
      const { reader, reads: made } = readerOf(snapshots);
      const frames = new ResumeFrames(reader, new GatewayMetrics(new Metrics()), {
        ...DEFAULT_GATEWAY_OPTIONS,
        resumeCacheMaxBytes: bound,
      });
      opened.push(frames);
      const kept = await frames.snapshotAt(a, head);
      const copy = await frames.inFormat(a, kept, 'columns-v1');
      expect(copy.format).toBe('columns-v1');
      expect(await frames.inFormat(a, kept, 'columns-v1')).toBe(copy);
      expect((await frames.inFormat(a, kept, 'entries-v1')).data.equals(entries.data)).toBe(true);
      await frames.snapshotAt(a, head);
      expect(made).toEqual(reads);
    }
  });

  it('keep a stream holding a value that is not printable ASCII in columns-v1', async () => {
    const a = mdrTenantStreamId(randomUUID());
    const frame = await encodeSnapshot(
      a,
      indicatorsSnapshot(a, [...domains.slice(0, 50), 'bücher.example']),
      encoder,
    );
    expect(frame.format).toBe('columns-v1');
    expect(entriesOf(frame)).toHaveLength(51);
  });

  it('send a stream holding an entry agents refuse as it was read, for them to refuse it, naming it', async () => {
    const a = mdrTenantStreamId(randomUUID());
    const read = indicatorsSnapshot(a, domains.slice(0, 50));
    const text = read.body.text.replace('"auditIds":["', `"auditIds":["${'X'.repeat(70)}`);
    const frame = await encodeSnapshot(a, { ...read, body: { format: 'columns-v1', text } }, encoder);
    expect(frame.format).toBe('columns-v1');
    expect(() => entriesOf(frame)).toThrow('auditIds[0]: must be a string of 1 to 64 characters');
  });
});
