import { Inject, Injectable } from '@nestjs/common';
import type { StreamId } from '@threatline/protocol';
import { StreamReader } from '@threatline/streams';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { SharedFrameCache } from './shared-frame-cache';
import type { StreamHead } from './stream-channel';
import { encodeDeltasFrame, encodeSnapshot, toEntriesFormat, type StreamFrame } from './stream-frames';

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
 * agent). Null means the position is the head.
 */
@Injectable()
export class ResumeFrames {
  private readonly cache: SharedFrameCache<ResumeAnswer>;
  private readonly sweeper: NodeJS.Timeout;
  /** Entries-format copies of snapshot frames, gone with their frame. */
  private readonly converted = new WeakMap<StreamFrame, Promise<StreamFrame>>();

  constructor(
    private readonly reader: StreamReader,
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
        case 'snapshot':
          return encodeSnapshot(streamId, read);
      }
    });
  }

  /**
   * A snapshot no older than `head`, for agents that hold nothing of the stream or another
   * epoch: keyed by the head, so a cached snapshot of an earlier epoch is never handed out.
   */
  snapshotAt(streamId: StreamId, head: StreamHead): Promise<StreamFrame> {
    return this.cache.get(this.snapshotKey(streamId, head), async () =>
      encodeSnapshot(streamId, await this.reader.snapshot(streamId)),
    ) as Promise<StreamFrame>;
  }

  /**
   * Offers a snapshot the live fan-out read anyway (a rebuild, a burst too long for deltas): it
   * answers both agents at the position the live ones were at and agents of another epoch.
   */
  share(streamId: StreamId, previous: StreamHead, head: StreamHead, snapshot: Promise<StreamFrame>): void {
    // A failed encoding is dropped from the cache; catch-ups waiting on it read for themselves.
    void this.cache.get(this.snapshotKey(streamId, head), () => snapshot).catch(() => undefined);
    if (previous.epoch === head.epoch) {
      void this.cache
        .get(`${streamId} from ${previous.epoch}:${previous.seq}`, () => snapshot)
        .catch(() => undefined);
    }
  }

  /**
   * A snapshot frame in `entries-v1`, for an agent that does not read the frame's own format:
   * converted once per frame and shared while the frame lives.
   */
  inEntriesFormat(streamId: StreamId, frame: StreamFrame): Promise<StreamFrame> {
    let converted = this.converted.get(frame);
    if (!converted) {
      converted = toEntriesFormat(streamId, frame);
      this.converted.set(frame, converted);
      // A failed conversion is not kept: the next catch-up round tries again.
      converted.catch(() => this.converted.delete(frame));
    }
    return converted;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.cache.clear();
  }

  private snapshotKey(streamId: StreamId, head: StreamHead): string {
    return `${streamId} snapshot ${head.epoch}:${head.seq}`;
  }
}
