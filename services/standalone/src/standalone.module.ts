import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@threatline/config';
import { FeedsWorkerModule } from '@threatline/feeds';
import { GatewayModule } from '@threatline/gateway';
import { ApiModule } from '@threatline/http';
import { ReportingWorkerModule } from '@threatline/reporting';
import { StreamCompactionModule } from '@threatline/streams';

/**
 * Every service in one process (what `npm start` runs): on embedded defaults that is
 * PGlite under DATA_DIR and in-process queues; with DATABASE_URL and REDIS_URL it is the
 * same code on PostgreSQL and Redis. The agent stream shares the HTTP port; the worker's jobs
 * (feed publication, expiry, sweep, stream compaction, event ingest and retention) run here too.
 */
@Module({})
export class StandaloneModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: StandaloneModule,
      imports: [
        ApiModule.forRoot(config),
        GatewayModule.forRoot({ presenceLeaseMs: config.presenceLeaseSeconds * 1000 }),
        FeedsWorkerModule.forRoot(),
        StreamCompactionModule,
        ReportingWorkerModule.forRoot(),
      ],
    };
  }
}
