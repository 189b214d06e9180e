import { DynamicModule, Module } from '@nestjs/common';
import { ThreatEventIngestProcessor } from './ingest/threat-event-ingest.processor';
import { ReportingIngestModule } from './reporting-ingest.module';
import { RollupModule } from './rollup/rollup.module';
import { RollupWarmingProcessor } from './rollup/rollup-warming.processor';
import {
  DEFAULT_REPORTING_WORKER_OPTIONS,
  REPORTING_WORKER_OPTIONS,
  type ReportingWorkerOptions,
} from './reporting-worker.options';

/**
 * The reporting jobs, for a worker process (services/worker, the standalone process, tests): storing event batches,
 * partition maintenance with retention, and warming the summary rollups. Needs ConfigModule, ObservabilityModule, DbModule, MessagingModule.
 */
@Module({})
export class ReportingWorkerModule {
  static forRoot(options: Partial<ReportingWorkerOptions> = {}): DynamicModule {
    return {
      module: ReportingWorkerModule,
      imports: [ReportingIngestModule, RollupModule],
      providers: [
        { provide: REPORTING_WORKER_OPTIONS, useValue: { ...DEFAULT_REPORTING_WORKER_OPTIONS, ...options } },
        ThreatEventIngestProcessor,
        RollupWarmingProcessor,
      ],
    };
  }
}
