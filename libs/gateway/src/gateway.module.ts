import { Module, type DynamicModule } from '@nestjs/common';
import { ReportingIngestModule } from '@threatline/reporting';
import { StreamsModule } from '@threatline/streams';
import { AckCollector } from './ack-collector';
import { AgentGateway } from './agent-gateway';
import { AgentSessions } from './agent-sessions';
import { CatchUp } from './catch-up';
import { EventUpload } from './event-upload';
import { FirewallStateRepository } from './firewall-state.repository';
import { DEFAULT_GATEWAY_OPTIONS, GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { GatewayMetrics } from './gateway-metrics';
import { PresenceLeaseRepository } from './presence-lease.repository';
import { PresenceLease } from './presence.lease';
import { PresenceRecorder } from './presence.recorder';
import { PresenceRepository } from './presence.repository';
import { ResumeFrames } from './resume-frames';
import { StreamFanout } from './stream-fanout';
import { StreamHeadsRepository } from './stream-heads.repository';

/**
 * The agent WebSocket gateway on the application's HTTP server. Needs ConfigModule,
 * ObservabilityModule, DbModule, MessagingModule and AuthModule (as every service root has them); it brings
 * ReportingIngestModule (event upload) itself.
 * The API process, the standalone process and services/stream all import it the same way.
 */
@Module({})
export class GatewayModule {
  /** The production limits and timings, with `overrides` on top (tests shorten the timings). */
  static forRoot(overrides: Partial<GatewayOptions> = {}): DynamicModule {
    return {
      module: GatewayModule,
      // Events batches are handed to central reporting's ingest (EventIngestor).
      imports: [StreamsModule, ReportingIngestModule],
      providers: [
        { provide: GATEWAY_OPTIONS, useValue: { ...DEFAULT_GATEWAY_OPTIONS, ...overrides } },
        GatewayMetrics,
        AckCollector,
        PresenceRepository,
        PresenceLeaseRepository,
        PresenceLease,
        PresenceRecorder,
        FirewallStateRepository,
        StreamHeadsRepository,
        ResumeFrames,
        CatchUp,
        EventUpload,
        StreamFanout,
        AgentSessions,
        AgentGateway,
      ],
    };
  }
}
