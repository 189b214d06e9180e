import { Module, type DynamicModule } from '@nestjs/common';
import { StreamsModule } from '@threatline/streams';
import { AckCollector } from './ack-collector';
import { AgentGateway } from './agent-gateway';
import { AgentSessions } from './agent-sessions';
import { CatchUp } from './catch-up';
import { FirewallStateRepository } from './firewall-state.repository';
import { DEFAULT_GATEWAY_OPTIONS, GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { GatewayMetrics } from './gateway-metrics';
import { PresenceRecorder } from './presence.recorder';
import { PresenceRepository } from './presence.repository';
import { ResumeFrames } from './resume-frames';
import { StreamFanout } from './stream-fanout';
import { StreamHeadsRepository } from './stream-heads.repository';

/**
 * The agent WebSocket gateway on the application's HTTP server. Needs ConfigModule,
 * ObservabilityModule, DbModule, MessagingModule and AuthModule (as every service root has them).
 * The API process, the standalone process and services/stream all import it the same way.
 */
@Module({})
export class GatewayModule {
  /** The production limits and timings, with `overrides` on top (tests shorten the timings). */
  static forRoot(overrides: Partial<GatewayOptions> = {}): DynamicModule {
    return {
      module: GatewayModule,
      imports: [StreamsModule],
      providers: [
        { provide: GATEWAY_OPTIONS, useValue: { ...DEFAULT_GATEWAY_OPTIONS, ...overrides } },
        GatewayMetrics,
        AckCollector,
        PresenceRepository,
        PresenceRecorder,
        FirewallStateRepository,
        StreamHeadsRepository,
        ResumeFrames,
        CatchUp,
        StreamFanout,
        AgentSessions,
        AgentGateway,
      ],
    };
  }
}
