import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@threatline/config';
import { DbModule } from '@threatline/db';
import { FeedsWorkerModule } from '@threatline/feeds';
import { MessagingModule } from '@threatline/messaging';
import { ObservabilityModule } from '@threatline/observability';
import { ReportingWorkerModule } from '@threatline/reporting';
import { StreamCompactionModule, StreamsModule } from '@threatline/streams';

/**
 * A worker process (`npm run start:worker`): the background jobs, no HTTP. Any number of replicas may run; the
 * queue hands each job to one of them and every repeatable job runs once per time slot.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule,
        DbModule.forRoot({
          databaseUrl: config.databaseUrl,
          dataDir: config.dataDir,
          migrateOnStart: config.migrateOnStart,
        }),
        MessagingModule.forRoot({ redisUrl: config.redisUrl, prefix: config.queuePrefix }),
        StreamsModule,
        StreamCompactionModule,
        ReportingWorkerModule.forRoot(),
        FeedsWorkerModule.forRoot(),
      ],
    };
  }
}
