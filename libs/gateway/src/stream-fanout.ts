import { Inject, Injectable, Logger } from '@nestjs/common';
import { PubSub, type Unsubscribe } from '@threatline/messaging';
import type { StreamId } from '@threatline/protocol';
import {
  noticeNamesStream,
  parseStreamNotice,
  streamChannel,
  StreamReader,
  type StreamNotice,
} from '@threatline/streams';
import type { AgentConnection } from './agent-connection';
import { CatchUp } from './catch-up';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { GatewayMetrics } from './gateway-metrics';
import { ResumeFrames } from './resume-frames';
import { encodeDeltasFrame, type StreamFrame } from './stream-frames';
import { StreamChannel } from './stream-channel';
import { StreamHeadsRepository } from './stream-heads.repository';

/** After a failed log read, the channel reads again this much later. */
const RETRY_READ_MS = 1000;

/**
 * Live fan-out, encode once and send many: one bus subscription per stream held by any local
 * agent (taken with the first, dropped with the last); on a notice the new deltas are read once
 * from PostgreSQL, from the position this process already delivered, encoded into one frame, and
 * the same bytes are written to every live socket on the stream, in order. A socket that is not
 * exactly at the frame's start, or whose send buffer is full, is handed to CatchUp instead: the
 * others never wait for it.
 */
@Injectable()
export class StreamFanout {
  private readonly logger = new Logger(StreamFanout.name);
  private readonly channels = new Map<StreamId, StreamChannel>();
  /**
   * Bus channels shared by several streams (the buckets of per-firewall settings streams): subscribed with the
   * first channel of the bucket held here, dropped with the last, so 20,000 agents cost 256 subscriptions, not 20,000.
   */
  private readonly buckets = new Map<string, SharedSubscription>();
  private readonly headCheck: NodeJS.Timeout;

  constructor(
    private readonly pubSub: PubSub,
    private readonly reader: StreamReader,
    private readonly heads: StreamHeadsRepository,
    private readonly catchUp: CatchUp,
    private readonly frames: ResumeFrames,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {
    // Notices are at most once (a Redis restart loses some): a periodic look at the heads of
    // every channel, in one read, bounds how long a lost notice can delay a delta.
    this.headCheck = setInterval(() => void this.checkHeads(), options.headCheckIntervalMs);
    this.headCheck.unref();
  }

  /**
   * Adds the connection to the stream's channel, subscribing and reading the head first when it
   * is the first one here. Resolves with the channel once its head is known.
   */
  async join(connection: AgentConnection, streamId: StreamId): Promise<StreamChannel> {
    let channel = this.channels.get(streamId);
    if (!channel) {
      channel = new StreamChannel(streamId);
      this.channels.set(streamId, channel);
      this.metrics.channels.set(this.channels.size);
      channel.ready = this.open(channel);
    }
    channel.members.add(connection);
    try {
      await channel.ready;
    } catch (error) {
      channel.members.delete(connection);
      throw error;
    }
    return channel;
  }

  leave(connection: AgentConnection, streamId: StreamId): void {
    const channel = this.channels.get(streamId);
    if (!channel?.members.delete(connection) || channel.members.size > 0) return;
    this.drop(channel);
  }

  /** The live channel of a stream, when a local agent holds it. */
  channel(streamId: StreamId): StreamChannel | undefined {
    return this.channels.get(streamId);
  }

  get channelCount(): number {
    return this.channels.size;
  }

  async close(): Promise<void> {
    clearInterval(this.headCheck);
    const channels = [...this.channels.values()];
    for (const channel of channels) this.drop(channel);
    await Promise.allSettled(channels.map((channel) => channel.ready));
  }

  private async open(channel: StreamChannel): Promise<void> {
    try {
      channel.unsubscribe = await this.subscribe(channel);
      // Subscribed first, then the head: a commit after this read is announced to us.
      const state = await this.reader.head(channel.id);
      channel.head = { epoch: state.epoch, seq: state.head, checksum: state.checksum };
    } catch (error) {
      this.drop(channel);
      throw error;
    }
    // Notices that came while the head was read may be newer than it.
    if (channel.noticed) void this.pump(channel);
  }

  private drop(channel: StreamChannel): void {
    if (channel.closed) return;
    channel.closed = true;
    if (this.channels.get(channel.id) === channel) this.channels.delete(channel.id);
    this.metrics.channels.set(this.channels.size);
    // A subscription still being made is dropped once it is made.
    void channel.ready
      .catch(() => undefined)
      .then(() => channel.unsubscribe?.())
      .catch((error: unknown) => this.logger.warn(`unsubscribing ${channel.id}: ${String(error)}`));
  }

  /** The channel's notices: on a bus channel of its own, or through its share of a bucket channel. */
  private async subscribe(channel: StreamChannel): Promise<Unsubscribe> {
    const busChannel = streamChannel(channel.id);
    if (!noticeNamesStream(channel.id)) {
      return this.pubSub.subscribe(busChannel, (message) =>
        this.onNotice(channel, parseStreamNotice(message)),
      );
    }
    let bucket = this.buckets.get(busChannel);
    if (!bucket) {
      bucket = {
        users: 0,
        ready: this.pubSub.subscribe(busChannel, (message) => this.onBucketNotice(message)),
      };
      this.buckets.set(busChannel, bucket);
    }
    const shared = bucket;
    shared.users++;
    const release = async (): Promise<void> => {
      if (--shared.users > 0 || this.buckets.get(busChannel) !== shared) return;
      this.buckets.delete(busChannel);
      const unsubscribe = await shared.ready;
      await unsubscribe();
    };
    try {
      await shared.ready;
    } catch (error) {
      // A failed subscription is not kept: the next channel of the bucket tries again.
      await release().catch(() => undefined);
      throw error;
    }
    return release;
  }

  private onBucketNotice(message: Buffer): void {
    const notice = parseStreamNotice(message);
    const channel = notice.stream === undefined ? undefined : this.channels.get(notice.stream);
    if (channel && !channel.closed) this.onNotice(channel, notice);
  }

  private onNotice(channel: StreamChannel, notice: StreamNotice): void {
    const head = channel.head;
    if (head && notice.epoch === head.epoch && notice.head !== undefined && notice.head <= head.seq) return;
    channel.noticed = true;
    void this.pump(channel);
  }

  /** Reads and fans out until no notice is left uncovered. One read at a time per channel. */
  private async pump(channel: StreamChannel): Promise<void> {
    if (channel.reading || !channel.head || channel.closed) return;
    channel.reading = true;
    try {
      while (channel.noticed && !channel.closed) {
        channel.noticed = false;
        const head = channel.head;
        const read = await this.reader.readSince(
          channel.id,
          head.epoch,
          head.seq,
          this.options.maxDeltasPerRead,
        );
        if (channel.closed) return;
        switch (read.kind) {
          case 'current':
            channel.head = { epoch: read.epoch, seq: read.seq, checksum: read.checksum };
            break;
          case 'deltas':
            channel.head = { epoch: read.epoch, seq: read.toSeq, checksum: read.checksum };
            this.deliver(channel, encodeDeltasFrame(channel.id, read));
            break;
          case 'snapshot':
            // Rebuilt (new epoch) or too many deltas at once: everyone catches up. The live agents
            // were at `head`; this snapshot is their answer, encoded once and shared.
            channel.head = { epoch: read.epoch, seq: read.seq, checksum: read.checksum };
            this.frames.share(channel.id, head, channel.head, read);
            for (const connection of channel.members) this.catchUp.request(connection, channel);
            break;
        }
      }
    } catch (error) {
      this.logger.warn(`reading ${channel.id} failed, retrying in ${RETRY_READ_MS} ms: ${String(error)}`);
      channel.noticed = true;
      setTimeout(() => void this.pump(channel), RETRY_READ_MS).unref();
    } finally {
      channel.reading = false;
    }
  }

  /** The per-connection work of the live path: a few comparisons and one socket write. */
  private deliver(channel: StreamChannel, frame: StreamFrame): void {
    let sent = 0;
    for (const connection of channel.members) {
      const cursor = connection.streams.get(channel.id);
      if (!cursor?.live) continue;
      if (cursor.epoch === frame.epoch && cursor.seq >= frame.toSeq) continue;
      if (cursor.epoch !== frame.epoch || cursor.seq !== frame.fromSeq - 1 || !connection.drained) {
        this.catchUp.request(connection, channel);
        continue;
      }
      connection.sendFrame(cursor, frame);
      sent++;
    }
    this.metrics.liveFrames.inc();
    this.metrics.liveSends.inc(sent);
  }

  private async checkHeads(): Promise<void> {
    const open = [...this.channels.values()].filter((channel) => channel.head !== undefined);
    if (open.length === 0) return;
    let heads;
    try {
      heads = await this.heads.heads(open.map((channel) => channel.id));
    } catch (error) {
      this.logger.warn(`checking stream heads failed: ${String(error)}`);
      return;
    }
    for (const channel of open) {
      const known = channel.head;
      const current = heads.get(channel.id);
      if (!known || !current || (current.epoch === known.epoch && current.seq <= known.seq)) continue;
      channel.noticed = true;
      void this.pump(channel);
    }
  }
}

interface SharedSubscription {
  /** Channels held here whose notices come on it. */
  users: number;
  ready: Promise<Unsubscribe>;
}
