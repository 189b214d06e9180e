import { StreamSocket, type BackoffOptions, type StreamSocketEnd } from '@threatline/agent-client';
import {
  CLOSE_CODES,
  EVENTS_ERROR_CODES,
  PROTOCOL_VERSION,
  snapshotColumnsOf,
  type ServerMessage,
} from '@threatline/protocol';
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

/**
 * The agent's end of the stream (contract section 6, libs/protocol v1), applying every frame to the agent's own
 * state (matcher included) rather than a copy. The transport (hello, decoding, peer watch, full-jitter backoff
 * capped at 60 s, stopping for good on a 401 or close codes 4001/4002) is libs/agent-client's StreamSocket; unlike
 * AgentClient, this end acknowledges a seq only once the state holding it is saved, and it carries event batches
 * up and their acknowledgements down.
 *
 * Frames that arrive together are applied one by one and then saved and acknowledged together (one save, one ack
 * per stream). A batch that does not fit (gap, other epoch, checksum mismatch, bad entry) changes nothing and asks
 * for a snapshot; deltas of that stream are ignored until it comes.
 */
export class StreamConnection {
  private readonly socket: StreamSocket;
  private flushQueued = false;
  private readonly awaitingSnapshot = new Set<string>();
  private readonly pendingAcks = new Map<string, { epoch: number; seq: number }>();
  private readonly listeners: ConnectionListener[] = [];
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
    this.socket = new StreamSocket(
      {
        urls: [options.url],
        credential: options.credential,
        agentVersion: options.agentVersion,
        cursors: () =>
          options.state.streams
            .filter((stream) => stream.epoch > 0)
            .map((stream) => ({
              stream: stream.id,
              epoch: stream.epoch,
              seq: stream.seq,
              checksum: stream.checksum,
            })),
        ...(options.backoff ? { backoff: options.backoff } : {}),
      },
      {
        connecting: () => this.connecting(),
        receive: (message) => this.receive(message),
        violation: (reason) => this.fail(`a bad frame from the service: ${reason}`),
        closed: (end) => this.closed(end),
      },
    );
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /** Streams waiting for the snapshot asked for after a batch that did not add up. */
  get resyncing(): string[] {
    return [...this.awaitingSnapshot];
  }

  get connected(): boolean {
    return this.statusValue.state === 'connected' && this.socket.open;
  }

  listen(listener: ConnectionListener): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.socket.start();
  }

  /** Closes the socket and cancels reconnects; resolves once the socket is closed and queued frames are done. */
  stop(): Promise<void> {
    return this.socket.stop();
  }

  /** Sends an events batch; false when not connected (the batch stays spooled). */
  sendEvents(batchId: string, events: readonly ThreatEvent[]): boolean {
    if (!this.connected) return false;
    return this.socket.send({ type: 'events', v: PROTOCOL_VERSION, batchId, events: [...events] });
  }

  private connecting(): void {
    this.setState('connecting');
    this.awaitingSnapshot.clear();
    this.pendingAcks.clear();
  }

  private closed(end: StreamSocketEnd): void {
    const wasConnected = this.statusValue.state === 'connected';
    this.setState('disconnected');
    if (wasConnected) for (const listener of this.listeners) listener.disconnected?.();
    if (end.stopped) {
      this.setState('stopped');
      return;
    }
    if (end.retryInMs === null) {
      const why =
        end.refused?.status === 401 || end.code === CLOSE_CODES.credentialRevoked
          ? "the service refused this firewall's credential: it was deregistered or its credential revoked. Enroll again with a new token."
          : `the service does not speak this agent's protocol version (close ${end.code}: ${end.reason}). Upgrade the agent.`;
      this.statusValue.stopReason = why;
      this.statusValue.lastError = why;
      this.setState('stopped');
      for (const listener of this.listeners) listener.stopped?.(why);
      return;
    }
    const why =
      end.refused !== undefined
        ? `upgrade refused (HTTP ${end.refused.status}${end.refused.status === 403 ? ', awaiting approval?' : ''}): ${end.refused.body.slice(0, 200)}`
        : end.socketError !== undefined
          ? `cannot reach ${this.options.url}: ${end.socketError}`
          : `closed (${end.code}${end.reason ? `: ${end.reason}` : ''})`;
    this.statusValue.lastError = why;
    this.options.log.warn(`stream: ${why}; reconnecting in ${end.retryInMs} ms`);
  }

  private async receive(message: ServerMessage): Promise<void> {
    const state = this.options.state;
    switch (message.type) {
      case 'welcome':
        this.statusValue.firewallId = message.firewallId;
        this.statusValue.lastError = null;
        this.hold(message.streams);
        this.setState('connected');
        this.options.log.info(`stream: connected to ${this.options.url} as firewall ${message.firewallId}`);
        for (const listener of this.listeners) listener.connected?.();
        return;
      case 'streams':
        this.hold(message.streams);
        for (const stream of [...this.awaitingSnapshot]) {
          if (!message.streams.includes(stream)) this.awaitingSnapshot.delete(stream);
        }
        return;
      case 'snapshot': {
        this.awaitingSnapshot.delete(message.stream);
        // StreamSocket hands over only frames the protocol's decoder checked, entries included; an indicator
        // snapshot's checked columns too, which the agent builds from without making an object per entry.
        const outcome = await state.applyDecodedSnapshot(message, snapshotColumnsOf(message));
        // A snapshot that does not add up is the service's problem: asking again would loop, so say it and wait.
        if (outcome.status === 'resync') return this.fail(outcome.reason);
        return this.settle(message.stream, message.epoch, message.seq, outcome);
      }
      case 'deltas': {
        if (this.awaitingSnapshot.has(message.stream)) return;
        const outcome = state.applyDeltas(message);
        if (outcome.status === 'resync') {
          this.fail(outcome.reason);
          this.awaitingSnapshot.add(message.stream);
          this.socket.send({
            type: 'resync',
            v: PROTOCOL_VERSION,
            stream: message.stream,
            reason: outcome.reason.slice(0, 200),
          });
          return;
        }
        return this.settle(message.stream, message.epoch, message.toSeq, outcome);
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

  private hold(streams: readonly string[]): void {
    const state = this.options.state;
    const held = state.streams.map((stream) => stream.id);
    const changes = state.holdStreams(streams);
    if (Object.values(changes).some(Boolean)) this.options.onChanges(changes);
    // A new stream starts empty at epoch 0, which is what holding nothing means: saved with the next frame, not now
    // (a fresh agent's first snapshot would otherwise wait behind a save of nothing). A dropped one is saved now.
    if (held.some((id) => state.stream(id) === undefined)) this.queueFlush();
  }

  private settle(stream: string, epoch: number, seq: number, outcome: ApplyOutcome): void {
    if (outcome.status === 'ignored') return;
    if (outcome.status === 'applied') this.options.onChanges(outcome.changes);
    this.pendingAcks.set(stream, { epoch, seq });
    this.queueFlush();
  }

  /** One save and one ack per stream for every frame handled before it (it runs after the frames queued now). */
  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.socket.enqueue(async (current) => {
      this.flushQueued = false;
      try {
        await this.options.persist();
      } catch (error) {
        this.fail(`saving the state: ${errorText(error)} (not acknowledged; retried with the next frame)`);
        return;
      }
      if (!current) return;
      for (const [stream, { epoch, seq }] of this.pendingAcks) {
        this.socket.send({ type: 'ack', v: PROTOCOL_VERSION, stream, epoch, seq });
      }
      this.pendingAcks.clear();
    });
  }

  private fail(message: string): void {
    this.statusValue.lastError = message;
    this.options.log.error(`stream: ${message}`);
  }

  private setState(state: ConnectionState): void {
    if (this.statusValue.state === state) return;
    this.statusValue.state = state;
    this.statusValue.since = new Date().toISOString();
  }
}
