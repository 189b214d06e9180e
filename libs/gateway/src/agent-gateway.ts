import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FirewallCredentialVerifier } from '@threatline/auth';
import { FirewallStatus } from '@threatline/db';
import { CLOSE_CODES, MAX_CLIENT_FRAME_BYTES } from '@threatline/protocol';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { AckCollector } from './ack-collector';
import { AgentSessions } from './agent-sessions';
import { CatchUp } from './catch-up';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { GatewayMetrics } from './gateway-metrics';
import { PresenceRecorder } from './presence.recorder';
import { ResumeFrames } from './resume-frames';
import { StreamFanout } from './stream-fanout';
import { bearerCredentialOf, refuseUpgrade, type UpgradeRefusal } from './upgrade-refusal';

/**
 * The agent WebSocket endpoint on the application's HTTP server (`/agent/v1`, the port of the
 * HTTP API): authenticates the upgrade with the firewall's credential and hands the socket to the
 * sessions. No credential, a bad or revoked one, or a deregistered firewall: 401 and no socket;
 * a firewall still waiting for approval: 403.
 *
 * Per-message compression is off on purpose: it would compress every frame once per connection,
 * where the fan-out encodes a frame once for all; snapshots are gzip'ed once instead.
 */
@Injectable()
export class AgentGateway implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AgentGateway.name);
  private readonly server: WebSocketServer;
  private httpServer: Server | undefined;
  private accepting = false;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void =>
    void this.upgrade(request, socket, head);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly verifier: FirewallCredentialVerifier,
    private readonly sessions: AgentSessions,
    private readonly fanout: StreamFanout,
    private readonly catchUp: CatchUp,
    private readonly frames: ResumeFrames,
    private readonly acks: AckCollector,
    private readonly presence: PresenceRecorder,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {
    this.server = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: Math.min(options.maxPayloadBytes, MAX_CLIENT_FRAME_BYTES),
      clientTracking: false,
    });
  }

  onApplicationBootstrap(): void {
    this.httpServer = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.httpServer.on('upgrade', this.onUpgrade);
    this.accepting = true;
  }

  /**
   * Graceful shutdown (SIGTERM): stop accepting, tell every agent to reconnect elsewhere (1012),
   * then write the acks and presence changes still in memory. Runs before the database and the
   * bus close (they shut down after every module's destroy hook).
   */
  async onModuleDestroy(): Promise<void> {
    this.accepting = false;
    this.httpServer?.off('upgrade', this.onUpgrade);
    const connected = this.sessions.size;
    await this.sessions.closeAll(CLOSE_CODES.serviceRestart, 'service restarting: reconnect');
    this.catchUp.close();
    await this.fanout.close();
    this.frames.close();
    await Promise.all([this.acks.close(), this.presence.close()]);
    this.server.close();
    if (connected > 0) this.logger.log(`closed ${connected} agent connections (1012) and flushed their acks`);
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    if (path !== this.options.path) {
      // Another upgrade handler of this server may own that path; else nobody does.
      if (this.httpServer?.listenerCount('upgrade') === 1) {
        this.refuse(socket, { status: 404, code: 'NOT_FOUND', message: `No WebSocket endpoint at ${path}.` });
      }
      return;
    }
    // Until the socket is handed to ws, a reset by the peer must not become an uncaught error.
    const onError = (): void => void socket.destroy();
    socket.on('error', onError);
    if (!this.accepting) {
      this.refuse(socket, { status: 503, code: 'UNAVAILABLE', message: 'The service is restarting.' });
      return;
    }
    let firewall;
    try {
      firewall = await this.verifier.verify(bearerCredentialOf(request.headers.authorization));
    } catch (error) {
      this.logger.error(`verifying an agent credential failed: ${String(error)}`);
      this.refuse(socket, { status: 503, code: 'UNAVAILABLE', message: 'Try again later.' });
      return;
    }
    if (!firewall) {
      this.refuse(socket, {
        status: 401,
        code: 'UNAUTHENTICATED',
        message: 'The firewall credential is missing, unknown or revoked.',
      });
      return;
    }
    if (firewall.status === FirewallStatus.APPROVAL_PENDING) {
      this.refuse(socket, {
        status: 403,
        code: 'APPROVAL_PENDING',
        message: 'The firewall waits for approval by a fleet admin.',
      });
      return;
    }
    if (!this.accepting || socket.destroyed) {
      if (!socket.destroyed) {
        this.refuse(socket, { status: 503, code: 'UNAVAILABLE', message: 'The service is restarting.' });
      }
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => {
      socket.off('error', onError);
      this.sessions.open(ws, {
        firewallId: firewall.firewallId,
        tenantId: firewall.tenantId,
        groupId: firewall.groupId,
      });
    });
  }

  private refuse(socket: Duplex, refusal: UpgradeRefusal): void {
    this.metrics.upgradesRefused.inc({ status: String(refusal.status) });
    refuseUpgrade(socket, refusal);
  }
}
