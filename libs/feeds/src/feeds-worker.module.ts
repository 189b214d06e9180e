import { DynamicModule, Module } from '@nestjs/common';
import { StreamsModule } from '@threatline/streams';
import { FeedJobs } from './feed-jobs';
import { FeedLeases } from './feed-leases';
import { FeedPublicationRepository } from './feed-publication.repository';
import { FeedPublisherService } from './feed-publisher.service';
import { FeedSweepService } from './feed-sweep.service';
import { FeedsProcessor } from './feeds.processor';
import { FeedsRepository } from './feeds.repository';
import {
  DEFAULT_FEEDS_WORKER_OPTIONS,
  FEEDS_WORKER_OPTIONS,
  type FeedsWorkerOptions,
} from './feeds-worker.options';

/**
 * The feed jobs, for a worker process (services/worker, the standalone process, integration tests). Needs
 * DbModule and MessagingModule; brings StreamsModule.
 */
@Module({})
export class FeedsWorkerModule {
  static forRoot(options: Partial<FeedsWorkerOptions> = {}): DynamicModule {
    return {
      module: FeedsWorkerModule,
      imports: [StreamsModule],
      providers: [
        { provide: FEEDS_WORKER_OPTIONS, useValue: { ...DEFAULT_FEEDS_WORKER_OPTIONS, ...options } },
        FeedsRepository,
        FeedPublicationRepository,
        FeedLeases,
        FeedPublisherService,
        FeedJobs,
        FeedSweepService,
        FeedsProcessor,
      ],
      exports: [FeedPublisherService, FeedSweepService, FeedLeases],
    };
  }
}
