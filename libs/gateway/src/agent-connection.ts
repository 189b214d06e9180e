import { CLOSE_CODES, type StreamId } from '@threatline/protocol';
import type { WebSocket } from 'ws';
import { FrameRateLimit } from './frame-rate-limit';
import type { GatewayOptions } from './gateway-options';
import type { Pingable } from './heartbeat';
import type { StreamFrame } from './stream-frames';

/** The firewall behind a connection, as its credential established it. */
export interface ConnectedFirewall {
  firewallId: string;
  tenantId: string;
  groupId: string;
}

/**
 * Where one agent stands on one stream: the position it holds once it applied everything sent
 * so far. `live` connections get the shared frames of the fan-out; the others are caught up
 * from the log, one read at a time, until they reach the stream's head.
 */
export interface StreamCursor {
  /** 0: the agent holds nothing of this stream (it gets a snapshot). */
  epoch: number;
  seq: number;
  /** What the agent said it holds (hello); checked when its position is the head. */
  checksum: string | null;
  /**
   * The position is the one the agent said it holds in hello and nothing was sent since: once its
   * checksum is verified, it counts as applied (an agent killed between applying and acking never
   * acks it again).
   */
  claimed: boolean;
  live: boolean;
  /** Queued for, or running, a catch-up read. */
  catchingUp: boolean;
}

/**
 * One agent's socket and the little state the gateway keeps for it (a few hundred bytes beyond
 * the socket itself): its cursors, its frame budget, its liveness.
 */
export class AgentConnection implements Pingable {
  alive = true;
  /** Set once a valid hello arrived; until then only hello is accepted. */
  greeted = false;
  /** Since when the socket's send buffer has been over the lag bound (0: it is not). */
  laggingSince = 0;
  readonly streams = new Map<StreamId, StreamCursor>();
  /** Events batches received and not yet settled (see EventUpload). */
  eventBatchesInFlight = 0;
  /** The snapshot body formats the agent reads, as its hello named them (undefined: `entries-v1` only). */
  snapshotFormats: readonly string[] | undefined = undefined;
  /** The firewall's central-reporting setting as last read, and until when it is reused. */
  centralReporting: { on: boolean; until: number } | undefined;
  private readonly rateLimit: FrameRateLimit;

  constructor(
    readonly socket: WebSocket,
    readonly firewall: ConnectedFirewall,
    readonly connectedAt: Date,
    private readonly options: GatewayOptions,
  ) {
    this.rateLimit = new FrameRateLimit(options.frameBurst, options.framesPerSecond, connectedAt.getTime());
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Frames still count while the close handshake runs: an ack sent just before the agent saw our
   * close frame is delivery, and the shutdown flush writes it.
   */
  get receiving(): boolean {
    return this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CLOSING;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Whether the socket can take more frames now (its unsent bytes are under the lag bound). */
  get drained(): boolean {
    return this.socket.bufferedAmount <= this.options.lagBufferBytes;
  }

  /** One more frame from the agent; false once it exceeded its budget. */
  takeFrame(now: number): boolean {
    return this.rateLimit.take(now);
  }

  sendText(text: string): void {
    if (this.open) this.socket.send(text);
  }

  /** Writes a shared frame and moves the cursor to its end. */
  sendFrame(cursor: StreamCursor, frame: StreamFrame): void {
    if (!this.open) return;
    this.socket.send(frame.data, { binary: frame.binary });
    cursor.epoch = frame.epoch;
    cursor.seq = frame.toSeq;
    cursor.checksum = frame.checksum;
    cursor.claimed = false;
  }

  close(code: number, reason: string): void {
    // A close reason is at most 123 bytes on the wire.
    if (this.socket.readyState <= this.socket.OPEN)
      this.socket.close(code, Buffer.from(reason).subarray(0, 123));
  }

  ping(): void {
    if (this.open) this.socket.ping();
  }

  terminate(): void {
    this.socket.terminate();
  }

  /** Closes a socket that never said hello, or that stayed too far behind for too long. */
  onHeartbeat(now: number): void {
    if (!this.greeted && now - this.connectedAt.getTime() > this.options.helloTimeoutMs) {
      this.close(CLOSE_CODES.malformedFrame, 'no hello received in time');
      return;
    }
    const buffered = this.socket.bufferedAmount;
    if (buffered > this.options.lagBufferBytes) {
      if (this.laggingSince === 0) this.laggingSince = now;
    } else {
      this.laggingSince = 0;
    }
    if (
      buffered > this.options.hardBufferBytes ||
      (this.laggingSince !== 0 && now - this.laggingSince > this.options.maxLagMs)
    ) {
      this.close(CLOSE_CODES.lagging, 'too far behind: reconnect and resume from your cursors');
    }
  }
}
