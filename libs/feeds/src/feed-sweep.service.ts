import { Injectable, Logger } from '@nestjs/common';
import { FeedStatus } from '@threatline/db';
import { FeedJobs } from './feed-jobs';
import { FeedsRepository } from './feeds.repository';

/** Feeds re-enqueued per sweep; more wait for the next sweep. */
const SWEEP_BATCH = 500;

/**
 * Crash safety of the write path: a feed is stored before its job is enqueued, so a process that dies in
 * between (or a Redis that lost its queues) leaves it PENDING or REVOKING without a job. The sweep re-enqueues
 * such feeds once they are older than a publication normally takes; the jobs are idempotent, so a feed whose
 * job was only late is published once all the same.
 */
@Injectable()
export class FeedSweepService {
  private readonly logger = new Logger(FeedSweepService.name);

  constructor(
    private readonly feeds: FeedsRepository,
    private readonly jobs: FeedJobs,
  ) {}

  async sweep(olderThanMs: number, slot: number): Promise<number> {
    const stale = await this.feeds.unfinishedFeeds(new Date(Date.now() - olderThanMs), SWEEP_BATCH);
    for (const feed of stale) {
      const suffix = `-sweep-${slot}`;
      if (feed.status === FeedStatus.REVOKING) await this.jobs.requestRevoke(feed.id, suffix);
      else await this.jobs.requestPublish(feed.id, suffix);
    }
    if (stale.length > 0) this.logger.warn(`re-enqueued ${stale.length} unfinished feed(s)`);
    return stale.length;
  }
}
