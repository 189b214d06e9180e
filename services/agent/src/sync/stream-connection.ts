import {
  DEFAULT_BACKOFF,
  decodeSnapshot,
  fullJitterDelay,
  type BackoffOptions,
} from '@threatline/agent-client';
import {
  CLOSE_CODES,
  encodeClientMessage,
  EVENTS_ERROR_CODES,
  parseServerMessage,
  PROTOCOL_VERSION,
  shouldReconnect,
  type ClientMessage,
  type ServerMessage,
} from '@threatline/protocol';
import WebSocket, { type RawData } from 'ws';
import type { ThreatEvent } from '../events/threat-event';
import { errorText, type AgentLog } from '../log';
import type { AgentState, ApplyOutcome, StateChanges } from '../model/agent-state';

export interface StreamConnectionOptions {
  url: string;
  credential: string;
  agentVersion: string;
  state: AgentState;
  /** Saves the state; acknowledgements wait for it, so an acked seq is always on disk. */
  persist: () => Promise<void>;
  /** Called after each applied change, for the derived views (nftables, RPZ). */
  onChanges: (changes: StateChanges) => void;
  log: AgentLog;
  backoff?: BackoffOptions;
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

export interface ConnectionStatus {
  state: ConnectionState;
  since: string;
  url: string;
  firewallId: string | null;
  lastError: string | null;
  /** Why the connection stopped for good (revoked credential, unsupported version). */
  stopReason: string | null;
}

export interface ConnectionListener {
  connected?: () => void;
  disconnected?: () => void;
  /** The service stored an events batch. */
  eventsAck?: (batchId: string) => void;
  /** The service did not take an events batch now (`events_retry_later`): keep it, send it again later. */
  eventsRetryLater?: (batchId: string, message: string) => void;
  /** The service refused an events batch for good (`events_invalid`): it can never be accepted. */
  eventsInvalid?: (batchId: string, message: string) => void;
  /** No more attempts (credential revoked or deregistered, protocol refused). */
  stopped?: (reason: string) => void;
}

const DEFAULT_PING_INTERVAL_MS = 30_000;
const DEAD_AFTER_PING_INTERVALS = 2.5;

/**
 * The agent's end of the stream (contract section 6, libs/protocol v1), applying every frame to the agent's own
 * state (matcher included) rather than a copy. Compared with libs/agent-client, whose backoff and snapshot
 * decoding it uses, it acknowledges a seq only once the state holding it is saved, and it carries event batches
 * up and their acknowledgements down.
 *
 * Frames are handled strictly in arrival order. Frames that arrive together are applied one by one and then saved
 * and acknowledged together (one save, one ack per stream). A batch that does not fit (gap, other epoch, checksum
 * mismatch, bad entry) changes nothing and asks for a snapshot; deltas of that stream are ignored until it comes.
 * Reconnects use full-jitter exponential backoff (cap 60 s); a 401 on the upgrade or close code 4001 (credential
 * revoked, firewall deregistered) and 4002 (protocol version refused) stop for good.
 */
export class StreamConnection {
  private socket: WebSocket | undefined;
  private running = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private deadPeerTimer: NodeJS.Timeout | undefined;
  private pingIntervalMs = DEFAULT_PING_INTERVAL_MS;
  private inbox: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private readonly awaitingSnapshot = new Set<string>();
  private readonly pendingAcks = new Map<string, { epoch: number; seq: number }>();
  private readonly listeners: ConnectionListener[] = [];
  private stoppedResolvers: (() => void)[] = [];
  private statusValue: ConnectionStatus;

  constructor(private readonly options: StreamConnectionOptions) {
    this.statusValue = {
      state: 'disconnected',
      since: new Date().toISOString(),
      url: options.url,
      firewallId: null,
      lastError: null,
      stopReason: null,
    };
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /** Streams waiting for the snapshot asked for after a batch that did not add up. */
  get resyncing(): string[] {
    return [...this.awaitingSnapshot];
  }

  get connected(): boolean {
    return this.statusValue.state === 'connected' && this.socket?.readyState === WebSocket.OPEN;
  }

  listen(listener: ConnectionListener): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** Closes the socket and cancels reconnects; resolves once the socket is closed and queued frames are done. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.deadPeerTimer);
    const socket = this.socket;
    if (socket !== undefined && socket.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) => this.stoppedResolvers.push(resolve));
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'agent stopping');
      await closed;
    }
    await this.inbox;
    this.setState('stopped');
  }

  /** Sends an events batch; false when not connected (the batch stays spooled). */
  sendEvents(batchId: string, events: readonly ThreatEvent[]): boolean {
    const socket = this.socket;
    if (socket === undefined || !this.connected) return false;
    this.send(socket, { type: 'events', v: PROTOCOL_VERSION, batchId, events: [...events] });
    return true;
  }

  private connect(): void {
    this.setState('connecting');
    const socket = new WebSocket(this.options.url, {
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      headers: { Authorization: `Bearer ${this.options.credential}` },
    });
    this.socket = socket;
    this.inbox = Promise.resolve();
    this.awaitingSnapshot.clear();
    this.pendingAcks.clear();
    let refused: { status: number; body: string } | undefined;
    let socketError: string | undefined;

    socket.on('open', () => {
      this.watchPeer(socket);
      this.send(socket, {
        type: 'hello',
        v: PROTOCOL_VERSION,
        agent: { version: this.options.agentVersion },
        streams: this.options.state.streams
          .filter((stream) => stream.epoch > 0)
          .map((stream) => ({
            stream: stream.id,
            epoch: stream.epoch,
            seq: stream.seq,
            checksum: stream.checksum,
          })),
      });
    });
    socket.on('message', (data, isBinary) => {
      this.watchPeer(socket);
      this.inbox = this.inbox
        .then(() => this.receive(socket, data, isBinary))
        .catch((error: unknown) => {
          this.fail(`handling a frame: ${errorText(error)}`);
        });
    });
    socket.on('ping', () => this.watchPeer(socket));
    socket.on('unexpected-response', (request, response) => {
      // The upgrade was answered with HTTP: 401 bad or revoked credential, 403 awaiting approval, 503...
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        refused = { status: response.statusCode ?? 0, body };
        request.destroy();
        socket.terminate();
      });
    });
    socket.on('error', (error) => {
      socketError = errorText(error);
    });
    socket.on('close', (code, reason) => {
      if (this.socket === socket) this.socket = undefined;
      clearTimeout(this.deadPeerTimer);
      this.deadPeerTimer = undefined;
      const wasConnected = this.statusValue.state === 'connected';
      void this.inbox.then(() => this.closed(code, reason.toString(), refused, socketError, wasConnected));
    });
  }

  private closed(
    code: number,
    reason: string,
    refused: { status: number; body: string } | undefined,
    socketError: string | undefined,
    wasConnected: boolean,
  ): void {
    this.setState('disconnected');
    if (wasConnected) for (const listener of this.listeners) listener.disconnected?.();
    if (!this.running) {
      for (const resolve of this.stoppedResolvers.splice(0)) resolve();
      return;
    }
    const terminal = refused?.status === 401 || !shouldReconnect(code);
    if (terminal) {
      const why =
        refused?.status === 401 || code === CLOSE_CODES.credentialRevoked
          ? "the service refused this firewall's credential: it was deregistered or its credential revoked. Enroll again with a new token."
          : `the service does not speak this agent's protocol version (close ${code}: ${reason}). Upgrade the agent.`;
      this.running = false;
      this.statusValue.stopReason = why;
      this.statusValue.lastError = why;
      this.setState('stopped');
      for (const listener of this.listeners) listener.stopped?.(why);
      return;
    }
    const retryInMs = fullJitterDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF);
    const why =
      refused !== undefined
        ? `upgrade refused (HTTP ${refused.status}${refused.status === 403 ? ', awaiting approval?' : ''}): ${refused.body.slice(0, 200)}`
        : socketError !== undefined
          ? `cannot reach ${this.options.url}: ${socketError}`
          : `closed (${code}${reason ? `: ${reason}` : ''})`;
    this.statusValue.lastError = why;
    this.setState('disconnected');
    this.options.log.warn(`stream: ${why}; reconnecting in ${retryInMs} ms`);
    this.reconnectTimer = setTimeout(() => {
      if (this.running) this.connect();
    }, retryInMs);
  }

  private watchPeer(socket: WebSocket): void {
    if (this.deadPeerTimer !== undefined) {
      this.deadPeerTimer.refresh();
      return;
    }
    this.deadPeerTimer = setTimeout(() => {
      this.deadPeerTimer = undefined;
      if (this.socket === socket) socket.terminate();
    }, this.pingIntervalMs * DEAD_AFTER_PING_INTERVALS);
    this.deadPeerTimer.unref();
  }

  private async receive(socket: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    if (this.socket !== socket) return;
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    let message: ServerMessage;
    if (isBinary) {
      const snapshot = await decodeSnapshot(bytes);
      if (!snapshot.ok) return this.violation(socket, snapshot.error.message);
      message = snapshot.message;
    } else {
      const parsed = parseServerMessage(bytes.toString());
      if (!parsed.ok) return this.violation(socket, parsed.error.message);
      message = parsed.message;
    }
    if (this.socket !== socket) return;
    const state = this.options.state;
    switch (message.type) {
      case 'welcome':
        this.attempt = 0;
        this.pingIntervalMs = message.pingIntervalMs;
        clearTimeout(this.deadPeerTimer);
        this.deadPeerTimer = undefined;
        this.watchPeer(socket);
        this.statusValue.firewallId = message.firewallId;
        this.statusValue.lastError = null;
        this.hold(socket, message.streams);
        this.setState('connected');
        this.options.log.info(`stream: connected to ${this.options.url} as firewall ${message.firewallId}`);
        for (const listener of this.listeners) listener.connected?.();
        return;
      case 'streams':
        this.hold(socket, message.streams);
        for (const stream of [...this.awaitingSnapshot]) {
          if (!message.streams.includes(stream)) this.awaitingSnapshot.delete(stream);
        }
        return;
      case 'snapshot': {
        this.awaitingSnapshot.delete(message.stream);
        const outcome = await state.applySnapshot(message);
        // A snapshot that does not add up is the service's problem: asking again would loop, so say it and wait.
        if (outcome.status === 'resync') return this.fail(outcome.reason);
        return this.settle(socket, message.stream, message.epoch, message.seq, outcome);
      }
      case 'deltas': {
        if (this.awaitingSnapshot.has(message.stream)) return;
        const outcome = state.applyDeltas(message);
        if (outcome.status === 'resync') {
          this.fail(outcome.reason);
          this.awaitingSnapshot.add(message.stream);
          this.send(socket, {
            type: 'resync',
            v: PROTOCOL_VERSION,
            stream: message.stream,
            reason: outcome.reason.slice(0, 200),
          });
          return;
        }
        return this.settle(socket, message.stream, message.epoch, message.toSeq, outcome);
      }
      case 'eventsAck':
        for (const listener of this.listeners) listener.eventsAck?.(message.batchId);
        return;
      case 'error': {
        const batchId = message.batchId;
        if (batchId !== undefined && message.code === EVENTS_ERROR_CODES.retryLater) {
          for (const listener of this.listeners) listener.eventsRetryLater?.(batchId, message.message);
          return;
        }
        if (batchId !== undefined && message.code === EVENTS_ERROR_CODES.invalid) {
          for (const listener of this.listeners) listener.eventsInvalid?.(batchId, message.message);
          return;
        }
        this.fail(`the service says ${message.code}: ${message.message}`);
        return;
      }
    }
  }

  private hold(socket: WebSocket, streams: readonly string[]): void {
    const changes = this.options.state.holdStreams(streams);
    if (Object.values(changes).some(Boolean)) this.options.onChanges(changes);
    this.queueFlush(socket);
  }

  private settle(socket: WebSocket, stream: string, epoch: number, seq: number, outcome: ApplyOutcome): void {
    if (outcome.status === 'ignored') return;
    if (outcome.status === 'applied') this.options.onChanges(outcome.changes);
    this.pendingAcks.set(stream, { epoch, seq });
    this.queueFlush(socket);
  }

  /** One save and one ack per stream for every frame handled before it (it runs after the frames queued now). */
  private queueFlush(socket: WebSocket): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.inbox = this.inbox.then(async () => {
      this.flushQueued = false;
      try {
        await this.options.persist();
      } catch (error) {
        this.fail(`saving the state: ${errorText(error)} (not acknowledged; retried with the next frame)`);
        return;
      }
      if (this.socket !== socket) return;
      for (const [stream, { epoch, seq }] of this.pendingAcks) {
        this.send(socket, { type: 'ack', v: PROTOCOL_VERSION, stream, epoch, seq });
      }
      this.pendingAcks.clear();
    });
  }

  private fail(message: string): void {
    this.statusValue.lastError = message;
    this.options.log.error(`stream: ${message}`);
  }

  private violation(socket: WebSocket, message: string): void {
    this.fail(`a bad frame from the service: ${message}`);
    if (this.socket === socket)
      socket.close(CLOSE_CODES.malformedFrame, Buffer.from(message).subarray(0, 123));
  }

  private send(socket: WebSocket, message: ClientMessage): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(encodeClientMessage(message));
  }

  private setState(state: ConnectionState): void {
    if (this.statusValue.state === state) return;
    this.statusValue.state = state;
    this.statusValue.since = new Date().toISOString();
  }
}
