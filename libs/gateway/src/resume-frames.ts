import { Inject, Injectable } from '@nestjs/common';
import { streamKindOf, type SnapshotBodyFormat, type StreamId } from '@threatline/protocol';
import { StreamReader } from '@threatline/streams';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { GatewayMetrics } from './gateway-metrics';
import { SharedFrameCache } from './shared-frame-cache';
import type { StreamHead } from './stream-channel';
import { SnapshotEncoder } from './snapshot-encoder';
import {
  encodeDeltasFrame,
  encodeSnapshot,
  toFormat,
  type SnapshotRead,
  type StreamFrame,
} from './stream-frames';

/** The log has nothing after a position: it is the head, whose state sums to `checksum`. */
export interface CurrentPosition {
  kind: 'current';
  checksum: string;
}

export type ResumeAnswer = StreamFrame | CurrentPosition;

/**
 * The frame that brings an agent from a position towards the head: the deltas after it or a
 * snapshot, read and encoded once per position and shared for a few seconds by every agent
 * resuming from there (a gateway restart is then one read per distinct position, not one per
 * agent). And for agents that hold nothing of a stream (or another epoch), the stream's latest
 * snapshot, kept for minutes while it stays close to the head: a fleet coming online over minutes
 * costs one read and one encoding, each agent then taking the deltas after it from the log.
 */
@Injectable()
export class ResumeFrames {
  private readonly cache: SharedFrameCache<ResumeAnswer>;
  private readonly sweeper: NodeJS.Timeout;
  /** Snapshots are parsed, laid out and gzip'ed on its threads, never on the event loop. */
  private readonly encoder: SnapshotEncoder;
  /**
   * When each latest-snapshot read began, on a counter also ticked by every `snapshotAt` call: a
   * read that began after a call read a database at least at the head the caller knew.
   */
  private readonly readStarts = new WeakMap<Promise<ResumeAnswer>, number>();
  private ticks = 0;

  constructor(
    private readonly reader: StreamReader,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {
    this.cache = new SharedFrameCache<ResumeAnswer>(
      options.resumeCacheTtlMs,
      options.resumeCacheMaxBytes,
      (answer) => (answer.kind === 'current' ? 0 : answer.data.length),
      // "Nothing new" is only true when it was read; positions move on.
      (answer) => answer.kind !== 'current',
    );
    this.sweeper = setInterval(() => this.cache.sweep(), options.resumeCacheTtlMs);
    this.sweeper.unref();
    this.encoder = new SnapshotEncoder(options.snapshotEncodeThreads);
  }

  /**
   * What follows `(epoch, seq)` of a stream whose epoch it is: the deltas after it, or a
   * snapshot when the log no longer has them or they would be longer; `current` at the head
   * (never cached: heads move on).
   */
  frameFrom(streamId: StreamId, epoch: number, seq: number): Promise<ResumeAnswer> {
    return this.cache.get(`${streamId} from ${epoch}:${seq}`, async () => {
      const read = await this.reader.readSince(streamId, epoch, seq, this.options.maxDeltasPerRead);
      switch (read.kind) {
        case 'current':
          return { kind: 'current', checksum: read.checksum };
        case 'deltas':
          return encodeDeltasFrame(streamId, read);
        case 'snapshot': {
          this.metrics.snapshotReads.inc({ kind: streamKindOf(streamId), reason: 'resume' });
          const snapshot = encodeSnapshot(streamId, read, this.encoder);
          this.keepLatest(streamId, snapshot);
          return snapshot;
        }
      }
    });
  }

  /**
   * A snapshot for an agent that holds nothing of the stream or another epoch: the stream's
   * latest one when it may answer for `head` (see `serves`), else a new read, one per stream at a
   * time, shared by every caller waiting meanwhile. A snapshot behind the head brings the agent
   * to its seq, and the catch-up takes it on from the log (`frameFrom`), as any resuming agent.
   */
  async snapshotAt(streamId: StreamId, head: StreamHead): Promise<StreamFrame> {
    const askedAt = ++this.ticks;
    const key = latestKey(streamId);
    for (;;) {
      const held = this.cache.peek(key);
      if (held === undefined) return this.readLatest(streamId);
      // Begun after this call: as new as the head, whatever it turns out to be.
      if ((this.readStarts.get(held) ?? 0) > askedAt) return held as Promise<StreamFrame>;
      const frame = (await held.catch(() => undefined)) as StreamFrame | undefined;
      if (frame && this.serves(frame, head)) return frame;
      // Too old: the first caller to find it so reads again; the others find that read next round.
      if (this.cache.peek(key) === held) return this.readLatest(streamId);
    }
  }

  /**
   * Encodes and offers a snapshot the live fan-out read anyway (a rebuild, a burst too long for deltas): it
   * answers both agents at the position the live ones were at and agents of another epoch.
   */
  share(streamId: StreamId, previous: StreamHead, head: StreamHead, read: SnapshotRead): void {
    this.metrics.snapshotReads.inc({ kind: streamKindOf(streamId), reason: 'live' });
    const snapshot = encodeSnapshot(streamId, read, this.encoder);
    this.keepLatest(streamId, snapshot);
    if (previous.epoch === head.epoch) {
      // A failed encoding is dropped from the cache; catch-ups waiting on it read for themselves.
      void this.cache
        .get(`${streamId} from ${previous.epoch}:${previous.seq}`, () => snapshot)
        .catch(() => undefined);
    }
  }

  /**
   * A snapshot frame in another format (`columns-v1` or `entries-v1`), for an agent that does not
   * read the frame's own one: converted once per kept frame and format and kept with it, within the
   * cache's bytes (a 100k-indicator entries-v1 copy is ~2.6x the indicators-bin-v1 frame, a
   * columns-v1 copy about the same). A failed conversion is not kept: the next round tries again.
   */
  inFormat(streamId: StreamId, frame: StreamFrame, format: SnapshotBodyFormat): Promise<StreamFrame> {
    // The copy of a frame under a format's name is always made here, so it is a StreamFrame.
    return this.cache.copyOf(frame, format, () =>
      toFormat(streamId, frame, format, this.encoder),
    ) as Promise<StreamFrame>;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.cache.clear();
    void this.encoder.close();
  }

  /**
   * Whether a kept snapshot may answer an agent for `head`. Of another epoch: only a newer one (read
   * after a rebuild this process has not seen yet; the log takes the agent on from there), never
   * an older one. Of the head's epoch: when it is at most `snapshotReuseMaxDeltas` deltas behind,
   * and no more than it has entries (beyond that the log would answer the gap with a snapshot).
   * Its age is bounded by its time to live in the cache.
   */
  private serves(frame: StreamFrame, head: StreamHead): boolean {
    if (frame.epoch !== head.epoch) return frame.epoch > head.epoch;
    return head.seq - frame.toSeq <= Math.min(this.options.snapshotReuseMaxDeltas, frame.count);
  }

  private readLatest(streamId: StreamId): Promise<StreamFrame> {
    this.metrics.snapshotReads.inc({ kind: streamKindOf(streamId), reason: 'fresh' });
    const read = this.reader
      .snapshot(streamId)
      .then((snapshot) => encodeSnapshot(streamId, snapshot, this.encoder));
    this.readStarts.set(read, ++this.ticks);
    this.keepLatest(streamId, read);
    return read;
  }

  /**
   * Keeps a snapshot as the stream's latest, replacing the one kept: it was read last. A stream only
   * one firewall holds (its settings) gains nothing from keeping it beyond the resume answers' time.
   */
  private keepLatest(streamId: StreamId, snapshot: Promise<StreamFrame>): void {
    const ttlMs =
      streamKindOf(streamId) === 'settings'
        ? this.options.resumeCacheTtlMs
        : this.options.snapshotReuseMaxAgeMs;
    void this.cache.set(latestKey(streamId), snapshot, ttlMs).catch(() => undefined);
  }
}

function latestKey(streamId: StreamId): string {
  return `${streamId} latest snapshot`;
}
