import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@threatline/config';
import { DbModule } from '@threatline/db';
import { MessagingModule } from '@threatline/messaging';
import { ObservabilityModule } from '@threatline/observability';

/**
 * What every Threatline process stands on: the configuration, logs and metrics, the database and the message bus
 * (each embedded or external as the configuration says), all global. The API, the worker and the stream gateway
 * import it, then their own modules.
 */
@Module({})
export class FoundationModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: FoundationModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule,
        DbModule.forRoot({
          databaseUrl: config.databaseUrl,
          dataDir: config.dataDir,
          migrateOnStart: config.migrateOnStart,
        }),
        MessagingModule.forRoot({ redisUrl: config.redisUrl, prefix: config.queuePrefix }),
      ],
    };
  }
}
