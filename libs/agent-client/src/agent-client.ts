import {
  CLOSE_CODES,
  encodeClientMessage,
  parseServerMessage,
  PROTOCOL_VERSION,
  shouldReconnect,
  type ClientMessage,
  type DeltasMessage,
  type SnapshotMessage,
  type StreamId,
  type ThreatEvent,
} from '@threatline/protocol';
import { EventEmitter } from 'node:events';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { AgentState } from './agent-state';
import { DEFAULT_BACKOFF, fullJitterDelay, type BackoffOptions } from './backoff';
import { decodeSnapshot } from './snapshot-decoder';

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

const ABNORMAL_CLOSURE = 1006;
const NORMAL_CLOSURE = 1000;
/** Until the first welcome says otherwise. */
const DEFAULT_PING_INTERVAL_MS = 30_000;

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
  private readonly urls: readonly string[];
  private readonly backoff: BackoffOptions;
  private socket: WebSocket | undefined;
  private running = false;
  private attempt = 0;
  private nextUrl = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private deadPeerTimer: NodeJS.Timeout | undefined;
  private pingIntervalMs = DEFAULT_PING_INTERVAL_MS;
  private inbox: Promise<void> = Promise.resolve();
  /** Streams whose deltas are ignored until the snapshot asked for arrives. */
  private readonly awaitingSnapshot = new Set<StreamId>();
  private readonly pendingAcks = new Map<StreamId, { epoch: number; seq: number }>();
  private ackScheduled = false;
  private stoppedResolvers: (() => void)[] = [];
  private welcomed = false;
  /** Events batches sent on the current connection and not yet answered. */
  private readonly pendingBatches = new Map<
    string,
    { resolve: () => void; reject: (error: Error) => void }
  >();

  constructor(private readonly options: AgentClientOptions) {
    super();
    this.urls = typeof options.url === 'string' ? [options.url] : [...options.url];
    if (this.urls.length === 0) throw new RangeError('AgentClient needs at least one URL');
    for (const url of this.urls) {
      if (!/^wss?:\/\/./.test(url) || !URL.canParse(url))
        throw new RangeError(`not a ws:// or wss:// URL: ${url}`);
    }
    this.state = options.state ?? new AgentState();
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /**
   * Sends a batch of threat events (contract section 6) on the current connection. Resolves on its `eventsAck`
   * (the batch is durable); rejects with EventsNotAcceptedError when the server answers an error about it, or when
   * the connection is not welcomed yet or ends before the answer. Sending the same batch again is harmless.
   */
  sendEvents(batchId: string, events: readonly ThreatEvent[]): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.welcomed) {
      return Promise.reject(new EventsNotAcceptedError(batchId, 'disconnected', 'not connected'));
    }
    if (this.pendingBatches.has(batchId)) {
      return Promise.reject(
        new EventsNotAcceptedError(batchId, 'pending', 'this batch id is awaiting its answer'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.pendingBatches.set(batchId, { resolve, reject });
      this.send(socket, { type: 'events', v: PROTOCOL_VERSION, batchId, events: [...events] });
    });
  }

  /** Connects, and keeps connecting, until stop() or a terminal close code. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** Closes the connection and cancels reconnects; resolves once the socket is closed. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.deadPeerTimer);
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) {
      this.emit('stopped', { code: NORMAL_CLOSURE, reason: 'stopped' });
      return;
    }
    const closed = new Promise<void>((resolve) => this.stoppedResolvers.push(resolve));
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else socket.close(NORMAL_CLOSURE, 'agent stopping');
    await closed;
  }

  private connect(): void {
    const url = this.urls[this.nextUrl++ % this.urls.length]!;
    const socket = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      ...this.options.socketOptions,
      headers: { ...this.options.socketOptions?.headers, Authorization: `Bearer ${this.options.credential}` },
    });
    this.socket = socket;
    this.inbox = Promise.resolve();
    this.awaitingSnapshot.clear();
    this.pendingAcks.clear();
    this.welcomed = false;
    let refusedStatus: number | undefined;

    socket.on('open', () => {
      this.stats.connects++;
      this.watchPeer(socket);
      this.send(socket, {
        type: 'hello',
        v: PROTOCOL_VERSION,
        agent: { version: this.options.agentVersion ?? 'agent-client' },
        streams: this.state.cursors(),
      });
    });
    socket.on('message', (data, isBinary) => {
      this.watchPeer(socket);
      this.inbox = this.inbox
        .then(() => this.receive(socket, data, isBinary))
        // A frame this client cannot handle is the server's fault or ours: start over on a new connection.
        .catch((error: unknown) => this.protocolViolation(socket, `frame not applied: ${String(error)}`));
    });
    socket.on('ping', () => this.watchPeer(socket));
    socket.on('unexpected-response', (_request, response) => {
      // The upgrade was answered with an HTTP error (401 unauthenticated, 403 not approved, 503). Aborting the
      // handshake makes ws emit 'close' (1006), which decides what happens next.
      refusedStatus = response.statusCode;
      socket.terminate();
    });
    socket.on('error', () => {
      // Always followed by 'close', which decides what happens next.
    });
    socket.on('close', (code, reason) => {
      if (this.socket === socket) this.socket = undefined;
      this.welcomed = false;
      for (const [batchId, pending] of this.pendingBatches)
        pending.reject(new EventsNotAcceptedError(batchId, 'disconnected', `connection closed (${code})`));
      this.pendingBatches.clear();
      clearTimeout(this.deadPeerTimer);
      this.closed(refusedStatus === undefined ? code : ABNORMAL_CLOSURE, reason.toString(), refusedStatus);
    });
  }

  private closed(code: number, reason: string, refusedStatus: number | undefined): void {
    if (!this.running) {
      this.emit('stopped', { code, reason: reason || 'stopped' });
      for (const resolve of this.stoppedResolvers.splice(0)) resolve();
      return;
    }
    if (!shouldReconnect(code) || refusedStatus === 401) {
      this.running = false;
      this.emit('stopped', { code, reason: refusedStatus === 401 ? 'credential refused (401)' : reason });
      return;
    }
    const retryInMs = fullJitterDelay(this.attempt++, this.backoff);
    const why = refusedStatus === undefined ? reason : `upgrade refused (${refusedStatus})`;
    this.emit('disconnected', { code, reason: why, retryInMs });
    this.reconnectTimer = setTimeout(() => {
      if (this.running) this.connect();
    }, retryInMs);
  }

  /** Re-arms the dead-peer timer: the server pings every pingIntervalMs, so silence means it is gone. */
  private watchPeer(socket: WebSocket): void {
    const timeoutMs = this.pingIntervalMs * (this.options.deadAfterPingIntervals ?? 2.5);
    if (this.deadPeerTimer) {
      this.deadPeerTimer.refresh();
      return;
    }
    this.deadPeerTimer = setTimeout(() => {
      this.deadPeerTimer = undefined;
      if (this.socket === socket) socket.terminate();
    }, timeoutMs);
    this.deadPeerTimer.unref();
  }

  private async receive(socket: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    if (this.socket !== socket) return;
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    this.stats.bytesReceived += bytes.length;
    if (isBinary) {
      const snapshot = await decodeSnapshot(bytes);
      if (!snapshot.ok) return this.protocolViolation(socket, snapshot.error.message);
      if (this.socket === socket) this.applySnapshot(socket, snapshot.message);
      return;
    }
    const parsed = parseServerMessage(bytes.toString());
    if (!parsed.ok) return this.protocolViolation(socket, parsed.error.message);
    const message = parsed.message;
    switch (message.type) {
      case 'welcome':
        this.attempt = 0;
        this.pingIntervalMs = message.pingIntervalMs;
        clearTimeout(this.deadPeerTimer);
        this.deadPeerTimer = undefined;
        this.watchPeer(socket);
        this.state.retain(message.streams);
        this.welcomed = true;
        this.emit('connected', { firewallId: message.firewallId, streams: message.streams, url: socket.url });
        return;
      case 'snapshot':
        return this.applySnapshot(socket, message);
      case 'deltas':
        return this.applyDeltas(socket, message);
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

  private applySnapshot(socket: WebSocket, snapshot: SnapshotMessage): void {
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
    this.applied(socket, event);
  }

  private applyDeltas(socket: WebSocket, deltas: DeltasMessage): void {
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
          socket,
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
      this.resync(
        socket,
        deltas.stream,
        `checksum ${actual} after seq ${deltas.toSeq}, expected ${deltas.checksum}`,
      );
      return;
    }
    this.applied(socket, {
      stream: deltas.stream,
      epoch: deltas.epoch,
      seq: deltas.toSeq,
      kind: 'deltas',
      count: deltas.deltas.length,
    });
  }

  private applied(socket: WebSocket, event: AppliedEvent): void {
    this.emit('applied', event);
    this.pendingAcks.set(event.stream, { epoch: event.epoch, seq: event.seq });
    if (this.ackScheduled) return;
    // Frames that arrived together are acknowledged together: one ack per stream.
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      if (this.socket !== socket) return;
      for (const [stream, { epoch, seq }] of this.pendingAcks) {
        this.send(socket, { type: 'ack', v: PROTOCOL_VERSION, stream, epoch, seq });
      }
      this.pendingAcks.clear();
    });
  }

  private resync(socket: WebSocket, stream: StreamId, reason: string): void {
    this.awaitingSnapshot.add(stream);
    this.send(socket, { type: 'resync', v: PROTOCOL_VERSION, stream, reason: reason.slice(0, 200) });
  }

  private protocolViolation(socket: WebSocket, message: string): void {
    // A close reason is at most 123 bytes on the wire.
    if (this.socket === socket)
      socket.close(CLOSE_CODES.malformedFrame, Buffer.from(message).subarray(0, 123));
  }

  private send(socket: WebSocket, message: ClientMessage): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(encodeClientMessage(message));
  }
}
