import { Inject, Injectable, Logger } from '@nestjs/common';
import { FirewallStatus } from '@threatline/db';
import { PubSub, type Unsubscribe } from '@threatline/messaging';
import {
  CLOSE_CODES,
  closeCodeFor,
  encodeServerMessage,
  parseClientFrame,
  PROTOCOL_VERSION,
  streamsOfFirewall,
  type AckMessage,
  type HelloMessage,
  type ResyncMessage,
  type ServerMessage,
  type StreamId,
} from '@threatline/protocol';
import { parseFirewallNotice, tenantFirewallsChannel } from '@threatline/streams';
import { encodeBatch, encodeEventsFrame } from '@threatline/reporting';
import type { RawData, WebSocket } from 'ws';
import { AckCollector } from './ack-collector';
import { AgentConnection, type ConnectedFirewall, type StreamCursor } from './agent-connection';
import { CatchUp } from './catch-up';
import { EventUpload } from './event-upload';
import { FirewallStateRepository } from './firewall-state.repository';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { GatewayMetrics } from './gateway-metrics';
import { Heartbeat } from './heartbeat';
import { PresenceRecorder } from './presence.recorder';
import { StreamFanout } from './stream-fanout';

/** Standard close code for "the server hit an error": the agent reconnects with backoff. */
const INTERNAL_ERROR = 1011;

/**
 * The sessions of the agents connected to this process: the protocol after the upgrade (hello,
 * acks, resyncs), the streams each agent holds, and what happens to them when the firewall is
 * moved or deregistered.
 */
@Injectable()
export class AgentSessions {
  private readonly logger = new Logger(AgentSessions.name);
  private readonly connections = new Set<AgentConnection>();
  /** Connections per firewall (normally one: an array, lighter than a Set). */
  private readonly byFirewall = new Map<string, AgentConnection[]>();
  /** The bus subscription to each tenant's firewall notices, while a firewall of the tenant is connected here. */
  private readonly tenantWatches = new Map<string, TenantWatch>();
  private readonly heartbeat: Heartbeat;
  private readonly reconciler: NodeJS.Timeout;
  private readonly allClosedWaiters: (() => void)[] = [];

  constructor(
    private readonly fanout: StreamFanout,
    private readonly catchUp: CatchUp,
    private readonly acks: AckCollector,
    private readonly events: EventUpload,
    private readonly presence: PresenceRecorder,
    private readonly firewalls: FirewallStateRepository,
    private readonly pubSub: PubSub,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {
    this.heartbeat = new Heartbeat(options.pingIntervalMs, () => this.connections);
    this.reconciler = setInterval(() => void this.reconcile(), options.reconcileIntervalMs);
    this.reconciler.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  /** Takes over an upgraded socket of an authenticated firewall. */
  open(socket: WebSocket, firewall: ConnectedFirewall): void {
    const connection = new AgentConnection(socket, firewall, new Date(), this.options);
    this.connections.add(connection);
    this.metrics.connections.set(this.connections.size);
    const siblings = this.byFirewall.get(firewall.firewallId);
    if (siblings) siblings.push(connection);
    else {
      this.byFirewall.set(firewall.firewallId, [connection]);
      this.watchTenant(firewall);
    }
    this.presence.connected(firewall.firewallId, connection.connectedAt);

    socket.on('message', (data, isBinary) => this.onFrame(connection, data, isBinary));
    socket.on('pong', () => (connection.alive = true));
    // ws reports protocol violations (oversized frame: 1009, bad UTF-8: 1007) here and closes the socket itself.
    socket.on('error', (error) => this.logger.debug(`agent ${firewall.firewallId}: ${error.message}`));
    socket.once('close', (code) => this.onClose(connection, code));
  }

  /** Closes every socket with `code` and waits (at most the close grace) for them to be gone. */
  async closeAll(code: number, reason: string): Promise<void> {
    clearInterval(this.reconciler);
    this.heartbeat.stop();
    if (this.connections.size === 0) return;
    for (const connection of this.connections) connection.close(code, reason);
    const allClosed = new Promise<void>((resolve) => this.allClosedWaiters.push(resolve));
    const grace = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), this.options.closeGraceMs),
    );
    if ((await Promise.race([allClosed, grace])) === 'timeout') {
      for (const connection of this.connections) connection.terminate();
      await allClosed;
    }
  }

  private onFrame(connection: AgentConnection, data: RawData, isBinary: boolean): void {
    if (!connection.receiving) return;
    if (!connection.takeFrame(Date.now())) {
      connection.close(CLOSE_CODES.flood, 'too many frames: slow down');
      return;
    }
    if (isBinary) {
      connection.close(CLOSE_CODES.malformedFrame, 'agents send JSON text frames only');
      return;
    }
    const frame = bytesOf(data);
    // Event batches as agents write them go straight from bytes to rows; anything else takes the general path.
    const batch = connection.greeted ? encodeEventsFrame(frame) : null;
    if (batch !== null) {
      this.events.receive(connection, batch);
      return;
    }
    const parsed = parseClientFrame(frame);
    if (!parsed.ok) {
      // A batch with a bad event is refused on its own: closing would make the agent resend it forever.
      if (parsed.error.code === 'invalid_events' && parsed.error.batchId && connection.greeted) {
        this.events.refuseInvalid(connection, parsed.error.batchId, parsed.error.message);
        return;
      }
      connection.close(closeCodeFor(parsed.error), parsed.error.message);
      return;
    }
    const message = parsed.message;
    if (!connection.greeted && message.type !== 'hello') {
      connection.close(CLOSE_CODES.malformedFrame, 'the first message must be hello');
      return;
    }
    switch (message.type) {
      case 'hello':
        if (connection.greeted) connection.close(CLOSE_CODES.malformedFrame, 'hello was already sent');
        else this.greet(connection, message);
        return;
      case 'ack':
        return this.ack(connection, message);
      case 'resync':
        return this.resync(connection, message);
      case 'events':
        return this.events.receive(connection, encodeBatch(message.batchId, message.events));
    }
  }

  private greet(connection: AgentConnection, hello: HelloMessage): void {
    connection.greeted = true;
    connection.snapshotFormats = hello.snapshotFormats;
    const streams = streamsOfFirewall(connection.firewall);
    this.send(connection, {
      type: 'welcome',
      v: PROTOCOL_VERSION,
      firewallId: connection.firewall.firewallId,
      streams,
      pingIntervalMs: this.options.pingIntervalMs,
    });
    const held = new Map(hello.streams.map((cursor) => [cursor.stream, cursor]));
    for (const streamId of streams) {
      const cursor = held.get(streamId);
      this.hold(connection, streamId, cursor?.epoch ?? 0, cursor?.seq ?? 0, cursor?.checksum ?? null);
    }
  }

  /** Adds a stream to what the connection holds, from the given position, then catches it up to live. */
  private hold(
    connection: AgentConnection,
    streamId: StreamId,
    epoch: number,
    seq: number,
    checksum: string | null,
  ): void {
    // The id as the stream's channel holds it: the agents of a tenant or group share one copy of the string.
    streamId = this.fanout.channel(streamId)?.id ?? streamId;
    const cursor: StreamCursor = {
      epoch,
      seq,
      checksum,
      claimed: checksum !== null,
      live: false,
      catchingUp: false,
    };
    connection.streams.set(streamId, cursor);
    this.fanout.join(connection, streamId).then(
      (channel) => {
        if (connection.streams.get(streamId) !== cursor || !connection.open) {
          this.fanout.leave(connection, streamId);
          return;
        }
        this.catchUp.request(connection, channel);
      },
      (error: unknown) => {
        this.logger.warn(`stream ${streamId} unavailable: ${String(error)}`);
        connection.close(INTERNAL_ERROR, 'stream unavailable: reconnect later');
      },
    );
  }

  private ack(connection: AgentConnection, ack: AckMessage): void {
    const cursor = connection.streams.get(ack.stream);
    // Only what this connection was sent counts as delivered; anything else (a stream just
    // dropped by a move, a stale epoch) is ignored.
    if (!cursor || ack.epoch !== cursor.epoch || ack.seq > cursor.seq) return;
    this.acks.add({
      firewallId: connection.firewall.firewallId,
      streamId: ack.stream,
      epoch: ack.epoch,
      seq: ack.seq,
    });
  }

  /** The agent's state of the stream does not match its checksum: it gets a snapshot. */
  private resync(connection: AgentConnection, resync: ResyncMessage): void {
    const cursor = connection.streams.get(resync.stream);
    if (!cursor) return;
    this.logger.log(
      `agent ${connection.firewall.firewallId} asked to resync ${resync.stream}: ${resync.reason}`,
    );
    cursor.epoch = 0;
    cursor.seq = 0;
    cursor.checksum = null;
    cursor.claimed = false;
    const channel = this.fanout.channel(resync.stream);
    // A join still in progress requests the catch-up itself once the channel is ready.
    if (channel?.head) this.catchUp.request(connection, channel);
  }

  private onClose(connection: AgentConnection, code: number): void {
    this.connections.delete(connection);
    this.metrics.connections.set(this.connections.size);
    this.metrics.closes.inc({ code: String(code) });
    for (const streamId of connection.streams.keys()) this.fanout.leave(connection, streamId);
    connection.streams.clear();
    const { firewallId } = connection.firewall;
    this.presence.disconnected(firewallId, connection.connectedAt, new Date());
    const siblings = this.byFirewall.get(firewallId);
    const index = siblings?.indexOf(connection) ?? -1;
    if (siblings && index >= 0) {
      siblings.splice(index, 1);
      if (siblings.length === 0) {
        this.byFirewall.delete(firewallId);
        this.unwatchTenant(connection.firewall.tenantId);
      }
    }
    if (this.connections.size === 0) for (const resolve of this.allClosedWaiters.splice(0)) resolve();
  }

  /**
   * Counts one more firewall of the tenant connected here, subscribing to the tenant's firewall notices with the
   * first. The firewall's tenantId becomes the watch's string, so the connections of a tenant share one copy.
   */
  private watchTenant(firewall: ConnectedFirewall): void {
    const watch = this.tenantWatches.get(firewall.tenantId);
    if (watch) {
      watch.firewalls++;
      firewall.tenantId = watch.tenantId;
      return;
    }
    const { tenantId } = firewall;
    const subscription = this.pubSub
      .subscribe(tenantFirewallsChannel(tenantId), (message) => void this.onFirewallNotice(message))
      .catch((error: unknown) => {
        // The periodic reconcile still applies moves and deregistrations, later.
        this.logger.warn(`watching the firewalls of tenant ${tenantId} failed: ${String(error)}`);
        return undefined;
      });
    this.tenantWatches.set(tenantId, { tenantId, firewalls: 1, subscription });
  }

  private unwatchTenant(tenantId: string): void {
    const watch = this.tenantWatches.get(tenantId);
    if (!watch || --watch.firewalls > 0) return;
    this.tenantWatches.delete(tenantId);
    void watch.subscription
      .then((unsubscribe) => unsubscribe?.())
      .catch((error: unknown) => this.logger.warn(`unwatching tenant ${tenantId}: ${String(error)}`));
  }

  private async onFirewallNotice(message: Buffer): Promise<void> {
    const notice = parseFirewallNotice(message);
    // Notices of the tenant's other firewalls (held by other gateways, or nowhere) are not ours.
    if (!notice || !this.byFirewall.has(notice.firewallId)) return;
    const { firewallId } = notice;
    if (notice.kind === 'deregistered') {
      this.disconnectFirewall(firewallId);
      return;
    }
    // A move: the database says where the firewall is now.
    try {
      const states = await this.firewalls.states([firewallId]);
      this.apply(firewallId, states.get(firewallId));
    } catch (error) {
      this.logger.warn(`reading firewall ${firewallId} after a notice failed: ${String(error)}`);
    }
  }

  /** Brings the connections of a firewall in line with its stored state. */
  private apply(firewallId: string, state: { groupId: string; status: FirewallStatus } | undefined): void {
    if (!state || state.status === FirewallStatus.DEREGISTERED) {
      this.disconnectFirewall(firewallId);
      return;
    }
    for (const connection of this.byFirewall.get(firewallId) ?? []) {
      if (connection.firewall.groupId !== state.groupId) this.move(connection, state.groupId);
    }
  }

  private disconnectFirewall(firewallId: string): void {
    for (const connection of [...(this.byFirewall.get(firewallId) ?? [])]) {
      connection.close(CLOSE_CODES.credentialRevoked, 'the firewall was deregistered');
    }
  }

  /** The firewall changed group: drop the old group's streams, announce the new set, snapshot the new ones. */
  private move(connection: AgentConnection, groupId: string): void {
    const before = new Set(connection.streams.keys());
    connection.firewall.groupId = groupId;
    if (!connection.greeted) return;
    const after = streamsOfFirewall(connection.firewall);
    for (const streamId of before) {
      if (after.includes(streamId)) continue;
      connection.streams.delete(streamId);
      this.fanout.leave(connection, streamId);
    }
    this.send(connection, { type: 'streams', v: PROTOCOL_VERSION, streams: after });
    for (const streamId of after) if (!before.has(streamId)) this.hold(connection, streamId, 0, 0, null);
  }

  /**
   * Notices are at most once: every so often the stored group and status of every connected
   * firewall are read in one query, and moves or deregistrations that were missed are applied.
   */
  private async reconcile(): Promise<void> {
    const firewallIds = [...this.byFirewall.keys()];
    if (firewallIds.length === 0) return;
    try {
      const states = await this.firewalls.states(firewallIds);
      for (const firewallId of firewallIds) this.apply(firewallId, states.get(firewallId));
    } catch (error) {
      this.logger.warn(`reconciling connected firewalls failed: ${String(error)}`);
    }
  }

  private send(connection: AgentConnection, message: ServerMessage): void {
    connection.sendText(encodeServerMessage(message));
  }
}

interface TenantWatch {
  /** The one copy of the tenant's id the connections of the tenant share. */
  tenantId: string;
  /** Firewalls of the tenant connected here. */
  firewalls: number;
  subscription: Promise<Unsubscribe | undefined>;
}

function bytesOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
