import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JobQueue, PeriodicJob, QUEUES } from '@threatline/messaging';
import { FeedPublisherService } from './feed-publisher.service';
import { FeedSweepService } from './feed-sweep.service';
import { FEEDS_WORKER_OPTIONS, type FeedsWorkerOptions } from './feeds-worker.options';

/** The feed jobs of a worker process: publish, revoke, and the repeatable expiry and sweep. */
@Injectable()
export class FeedsProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly periodic: PeriodicJob[];

  constructor(
    private readonly jobs: JobQueue,
    private readonly publisher: FeedPublisherService,
    private readonly sweeper: FeedSweepService,
    @Inject(FEEDS_WORKER_OPTIONS) private readonly options: FeedsWorkerOptions,
  ) {
    this.periodic = [
      new PeriodicJob(jobs, QUEUES.indicatorExpire, options.expireIntervalMs),
      new PeriodicJob(jobs, QUEUES.feedSweep, options.sweepIntervalMs),
    ];
  }

  async onApplicationBootstrap(): Promise<void> {
    const concurrency = this.options.concurrency;
    await this.jobs.process(QUEUES.feedPublish, ({ feedId }) => this.publisher.publish(feedId), {
      concurrency,
    });
    await this.jobs.process(QUEUES.feedRevoke, ({ feedId }) => this.publisher.revoke(feedId), {
      concurrency,
    });
    await this.jobs.process(QUEUES.indicatorExpire, async () => {
      await this.publisher.expireDue();
    });
    await this.jobs.process(QUEUES.feedSweep, async ({ slot }) => {
      await this.sweeper.sweep(this.options.sweepAfterMs, slot);
    });
    for (const job of this.periodic) job.start();
  }

  onModuleDestroy(): void {
    for (const job of this.periodic) job.stop();
  }
}
