import {
  PROTOCOL_VERSION,
  type DeltasMessage,
  type ServerMessage,
  type SnapshotMessage,
  type StreamId,
  type ThreatEvent,
} from '@threatline/protocol';
import { EventEmitter } from 'node:events';
import type { ClientOptions } from 'ws';
import { AgentState } from './agent-state';
import type { BackoffOptions } from './backoff';
import { StreamSocket, type StreamSocketEnd } from './stream-socket';

export interface AgentClientOptions {
  /** The stream URL (`ws://host:port/agent/v1`), or several: each reconnect moves on to the next. */
  url: string | readonly string[];
  /** The firewall credential from enrollment. */
  credential: string;
  /** Reported in hello. */
  agentVersion?: string;
  /** What the agent already holds (restored from disk): resumed from, not received again. */
  state?: AgentState;
  backoff?: BackoffOptions;
  /** The connection counts as dead when nothing (not even a ping) came for this many ping intervals. */
  deadAfterPingIntervals?: number;
  /** Passed to `ws` (timeouts, local address); the Authorization header is set by the client. */
  socketOptions?: ClientOptions;
}

export interface AppliedEvent {
  stream: StreamId;
  epoch: number;
  seq: number;
  kind: 'snapshot' | 'deltas';
  /** Entries of a snapshot, or deltas of a batch. */
  count: number;
}

/** The events of an AgentClient, with their arguments. */
export interface AgentClientEvents {
  /** The server accepted the hello: these are the streams held from now on. */
  connected: [{ firewallId: string; streams: StreamId[]; url: string }];
  /** A snapshot replaced a stream's state (its checksum verified). */
  snapshot: [AppliedEvent];
  /** A snapshot or a batch of deltas was applied and verified; its ack is on its way. */
  applied: [AppliedEvent];
  /** A stream's state did not sum to the server's checksum; a snapshot was asked for (resync). */
  mismatch: [{ stream: StreamId; expected: string; actual: string }];
  /** The server changed the set of streams (the firewall moved). */
  streams: [StreamId[]];
  /** An `error` message from the server (an error about an events batch also rejects its sendEvents). */
  serverError: [{ code: string; message: string; batchId?: string }];
  /** The connection ended; another attempt follows after `retryInMs`. */
  disconnected: [{ code: number; reason: string; retryInMs: number }];
  /** No more attempts: stop() was called, the credential was revoked (4001), or the version is refused (4002). */
  stopped: [{ code: number; reason: string }];
}

/** The server answered an events batch with an error (`events_retry_later`, `events_invalid`), or never will. */
export class EventsNotAcceptedError extends Error {
  override readonly name = 'EventsNotAcceptedError';
  constructor(
    readonly batchId: string,
    /** The server's error code, or `disconnected` when the connection ended before an answer. */
    readonly code: string,
    message: string,
  ) {
    super(`events batch ${batchId}: ${code}: ${message}`);
  }
}

/** Counters for tests and status pages. */
export interface AgentClientStats {
  connects: number;
  snapshots: number;
  deltaFrames: number;
  /** Deltas frames that repeated what was held (never expected from a correct server). */
  duplicates: number;
  /** Deltas frames that did not start right after what was held (never expected either). */
  gaps: number;
  mismatches: number;
  /** Payload bytes of every frame received (the wire adds 2 to 10 bytes of framing per frame). */
  bytesReceived: number;
}

/**
 * A firewall agent's end of the stream protocol (libs/protocol): connects with the firewall's
 * credential, resumes from what it holds, applies snapshots and deltas into an in-memory state
 * verified against the server's checksums, acknowledges what it applied, asks for a snapshot
 * when a checksum disagrees, and reconnects with full-jitter exponential backoff, except after
 * 4001 (deregistered) and 4002 (unsupported version), where it stops.
 *
 * Frames are handled strictly in arrival order (a snapshot's decompression included).
 */
export class AgentClient extends EventEmitter<AgentClientEvents> {
  readonly state: AgentState;
  readonly stats: AgentClientStats = {
    connects: 0,
    snapshots: 0,
    deltaFrames: 0,
    duplicates: 0,
    gaps: 0,
    mismatches: 0,
    bytesReceived: 0,
  };
  private readonly socket: StreamSocket;
  /** Streams whose deltas are ignored until the snapshot asked for arrives. */
  private readonly awaitingSnapshot = new Set<StreamId>();
  private readonly pendingAcks = new Map<StreamId, { epoch: number; seq: number }>();
  private ackScheduled = false;
  private welcomed = false;
  /** Events batches sent on the current connection and not yet answered. */
  private readonly pendingBatches = new Map<
    string,
    { resolve: () => void; reject: (error: Error) => void }
  >();

  constructor(options: AgentClientOptions) {
    super();
    this.state = options.state ?? new AgentState();
    this.socket = new StreamSocket(
      {
        urls: typeof options.url === 'string' ? [options.url] : options.url,
        credential: options.credential,
        agentVersion: options.agentVersion ?? 'agent-client',
        cursors: () => this.state.cursors(),
        ...(options.backoff ? { backoff: options.backoff } : {}),
        ...(options.deadAfterPingIntervals ? { deadAfterPingIntervals: options.deadAfterPingIntervals } : {}),
        ...(options.socketOptions ? { socketOptions: options.socketOptions } : {}),
      },
      {
        connecting: () => this.connecting(),
        opened: () => this.stats.connects++,
        receive: (message, frameBytes) => this.receive(message, frameBytes),
        closed: (end) => this.closed(end),
      },
    );
  }

  get connected(): boolean {
    return this.socket.open;
  }

  /**
   * Sends a batch of threat events (contract section 6) on the current connection. Resolves on its `eventsAck`
   * (the batch is durable); rejects with EventsNotAcceptedError when the server answers an error about it, or when
   * the connection is not welcomed yet or ends before the answer. Sending the same batch again is harmless.
   */
  sendEvents(batchId: string, events: readonly ThreatEvent[]): Promise<void> {
    if (!this.socket.open || !this.welcomed) {
      return Promise.reject(new EventsNotAcceptedError(batchId, 'disconnected', 'not connected'));
    }
    if (this.pendingBatches.has(batchId)) {
      return Promise.reject(
        new EventsNotAcceptedError(batchId, 'pending', 'this batch id is awaiting its answer'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.pendingBatches.set(batchId, { resolve, reject });
      this.socket.send({ type: 'events', v: PROTOCOL_VERSION, batchId, events: [...events] });
    });
  }

  /** Connects, and keeps connecting, until stop() or a terminal close code. */
  start(): void {
    this.socket.start();
  }

  /** Closes the connection and cancels reconnects; resolves once the socket is closed. */
  stop(): Promise<void> {
    return this.socket.stop();
  }

  private connecting(): void {
    this.awaitingSnapshot.clear();
    this.pendingAcks.clear();
    this.welcomed = false;
  }

  private closed(end: StreamSocketEnd): void {
    this.welcomed = false;
    for (const [batchId, pending] of this.pendingBatches)
      pending.reject(new EventsNotAcceptedError(batchId, 'disconnected', `connection closed (${end.code})`));
    this.pendingBatches.clear();
    if (end.retryInMs !== null) {
      const why = end.refused === undefined ? end.reason : `upgrade refused (${end.refused.status})`;
      this.emit('disconnected', { code: end.code, reason: why, retryInMs: end.retryInMs });
      return;
    }
    const reason = end.refused?.status === 401 ? 'credential refused (401)' : end.reason;
    this.emit('stopped', { code: end.code, reason });
  }

  private receive(message: ServerMessage, frameBytes: number): void {
    this.stats.bytesReceived += frameBytes;
    switch (message.type) {
      case 'welcome':
        this.state.retain(message.streams);
        this.welcomed = true;
        this.emit('connected', {
          firewallId: message.firewallId,
          streams: message.streams,
          url: this.socket.url ?? '',
        });
        return;
      case 'snapshot':
        return this.applySnapshot(message);
      case 'deltas':
        return this.applyDeltas(message);
      case 'streams':
        this.state.retain(message.streams);
        for (const streamId of this.awaitingSnapshot)
          if (!message.streams.includes(streamId)) this.awaitingSnapshot.delete(streamId);
        this.emit('streams', message.streams);
        return;
      case 'eventsAck':
        this.settleBatch(message.batchId, null);
        return;
      case 'error':
        this.emit(
          'serverError',
          message.batchId === undefined
            ? { code: message.code, message: message.message }
            : { code: message.code, message: message.message, batchId: message.batchId },
        );
        if (message.batchId !== undefined)
          this.settleBatch(
            message.batchId,
            new EventsNotAcceptedError(message.batchId, message.code, message.message),
          );
        return;
    }
  }

  private settleBatch(batchId: string, error: Error | null): void {
    const pending = this.pendingBatches.get(batchId);
    if (!pending) return;
    this.pendingBatches.delete(batchId);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  private applySnapshot(snapshot: SnapshotMessage): void {
    const state = this.state.stream(snapshot.stream);
    if (!state) return; // no longer held (moved meanwhile)
    this.awaitingSnapshot.delete(snapshot.stream);
    const actual = state.applySnapshot(snapshot);
    this.stats.snapshots++;
    if (actual !== snapshot.checksum) {
      // The server's own entries do not sum to its checksum: asking again would loop; report it.
      this.stats.mismatches++;
      this.emit('mismatch', { stream: snapshot.stream, expected: snapshot.checksum, actual });
      return;
    }
    const event: AppliedEvent = {
      stream: snapshot.stream,
      epoch: snapshot.epoch,
      seq: snapshot.seq,
      kind: 'snapshot',
      count: snapshot.entries.length,
    };
    this.emit('snapshot', event);
    this.applied(event);
  }

  private applyDeltas(deltas: DeltasMessage): void {
    const state = this.state.stream(deltas.stream);
    if (!state || this.awaitingSnapshot.has(deltas.stream)) return;
    switch (state.fit(deltas)) {
      case 'duplicate':
        this.stats.duplicates++;
        return;
      case 'gap':
      case 'otherEpoch':
        this.stats.gaps++;
        this.resync(
          deltas.stream,
          `deltas ${deltas.fromSeq}..${deltas.toSeq} do not follow seq ${state.seq}`,
        );
        return;
      case 'next':
        break;
    }
    const actual = state.applyDeltas(deltas);
    this.stats.deltaFrames++;
    if (actual !== deltas.checksum) {
      this.stats.mismatches++;
      this.emit('mismatch', { stream: deltas.stream, expected: deltas.checksum, actual });
      this.resync(deltas.stream, `checksum ${actual} after seq ${deltas.toSeq}, expected ${deltas.checksum}`);
      return;
    }
    this.applied({
      stream: deltas.stream,
      epoch: deltas.epoch,
      seq: deltas.toSeq,
      kind: 'deltas',
      count: deltas.deltas.length,
    });
  }

  private applied(event: AppliedEvent): void {
    this.emit('applied', event);
    this.pendingAcks.set(event.stream, { epoch: event.epoch, seq: event.seq });
    if (this.ackScheduled) return;
    // Frames that arrived together are acknowledged together: one ack per stream.
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      for (const [stream, { epoch, seq }] of this.pendingAcks) {
        this.socket.send({ type: 'ack', v: PROTOCOL_VERSION, stream, epoch, seq });
      }
      this.pendingAcks.clear();
    });
  }

  private resync(stream: StreamId, reason: string): void {
    this.awaitingSnapshot.add(stream);
    this.socket.send({ type: 'resync', v: PROTOCOL_VERSION, stream, reason: reason.slice(0, 200) });
  }
}
