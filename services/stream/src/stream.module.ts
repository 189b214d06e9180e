import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@threatline/auth';
import { AppConfig, ConfigModule } from '@threatline/config';
import { DbModule } from '@threatline/db';
import { GatewayModule } from '@threatline/gateway';
import { MessagingModule } from '@threatline/messaging';
import { ObservabilityModule } from '@threatline/observability';
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
        ConfigModule.forRoot(config),
        ObservabilityModule,
        DbModule.forRoot({
          databaseUrl: config.databaseUrl,
          dataDir: config.dataDir,
          migrateOnStart: config.migrateOnStart,
        }),
        MessagingModule.forRoot({ redisUrl: config.redisUrl, prefix: config.queuePrefix }),
        AuthModule,
        GatewayModule.forRoot({ presenceLeaseMs: config.presenceLeaseSeconds * 1000 }),
      ],
      controllers: [StreamProbesController],
    };
  }
}
