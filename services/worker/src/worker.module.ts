import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@threatline/config';
import { FeedsWorkerModule } from '@threatline/feeds';
import { FoundationModule } from '@threatline/http';
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
        FoundationModule.forRoot(config),
        StreamsModule,
        StreamCompactionModule,
        ReportingWorkerModule.forRoot(),
        FeedsWorkerModule.forRoot(),
      ],
    };
  }
}
