import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@threatline/auth';
import { AppConfig } from '@threatline/config';
import { GatewayModule } from '@threatline/gateway';
import { FoundationModule } from '@threatline/http';
import { StreamProbesController } from './stream-probes.controller';

/**
 * The agent stream gateway as its own process (`npm run start:stream`): the same GatewayModule
 * the API and standalone processes serve, on PostgreSQL and Redis, with health probes and
 * nothing else. Event batches from agents are queued for the worker through ReportingIngestModule, which
 * GatewayModule brings. Run as many as needed behind one address.
 */
@Module({})
export class StreamModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: StreamModule,
      imports: [
        FoundationModule.forRoot(config),
        AuthModule,
        GatewayModule.forRoot({ presenceLeaseMs: config.presenceLeaseSeconds * 1000 }),
      ],
      controllers: [StreamProbesController],
    };
  }
}
