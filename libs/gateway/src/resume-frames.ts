import { Inject, Injectable } from '@nestjs/common';
import type { StreamId } from '@threatline/protocol';
import { StreamReader } from '@threatline/streams';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { SharedFrameCache } from './shared-frame-cache';
import type { StreamHead } from './stream-channel';
import { encodeDeltasFrame, encodeSnapshot, type StreamFrame } from './stream-frames';

/**
 * The frame that brings an agent from a position towards the head: the deltas after it or a
 * snapshot, read and encoded once per position and shared for a few seconds by every agent
 * resuming from there (a gateway restart is then one read per distinct position, not one per
 * agent). Null means the position is the head.
 */
@Injectable()
export class ResumeFrames {
  private readonly cache: SharedFrameCache<StreamFrame | null>;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly reader: StreamReader,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {
    this.cache = new SharedFrameCache<StreamFrame | null>(
      options.resumeCacheTtlMs,
      options.resumeCacheMaxBytes,
      (frame) => frame?.data.length ?? 0,
      // "Nothing new" is only true when it was read; positions move on.
      (frame) => frame !== null,
    );
    this.sweeper = setInterval(() => this.cache.sweep(), options.resumeCacheTtlMs);
    this.sweeper.unref();
  }

  /**
   * What follows `(epoch, seq)` of a stream whose epoch it is: the deltas after it, or a
   * snapshot when the log no longer has them or they would be longer; null at the head.
   */
  frameFrom(streamId: StreamId, epoch: number, seq: number): Promise<StreamFrame | null> {
    return this.cache.get(`${streamId} from ${epoch}:${seq}`, async () => {
      const read = await this.reader.readSince(streamId, epoch, seq, this.options.maxDeltasPerRead);
      switch (read.kind) {
        case 'current':
          return null;
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
    const settled = snapshot.catch(() => null);
    void this.cache.get(this.snapshotKey(streamId, head), () => snapshot).catch(() => undefined);
    if (previous.epoch === head.epoch) {
      void this.cache.get(`${streamId} from ${previous.epoch}:${previous.seq}`, () => settled);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.cache.clear();
  }

  private snapshotKey(streamId: StreamId, head: StreamHead): string {
    return `${streamId} snapshot ${head.epoch}:${head.seq}`;
  }
}
