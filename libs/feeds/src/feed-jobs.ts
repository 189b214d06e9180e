import { Injectable, Logger } from '@nestjs/common';
import { JobQueue, QUEUES } from '@threatline/messaging';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long a request waits for its job to be enqueued before answering anyway. The feed is already durable in
 * PostgreSQL; with Redis down or restarting, the enqueue keeps trying in the background and the sweeper
 * (FeedSweepService) re-enqueues whatever never made it, so an accepted push never depends on Redis alone.
 */
const ENQUEUE_WAIT_MS = 1000;

/** Enqueues the publication and revocation jobs of feeds. */
@Injectable()
export class FeedJobs {
  private readonly logger = new Logger(FeedJobs.name);

  constructor(private readonly jobs: JobQueue) {}

  /** `suffix` makes a new job id for a re-enqueue (the first id may still be in the finished-jobs history). */
  requestPublish(feedId: string, suffix = ''): Promise<void> {
    return this.bounded(
      this.jobs.enqueue(QUEUES.feedPublish, { feedId }, { jobId: `publish-${feedId}${suffix}` }),
      `publish ${feedId}`,
    );
  }

  requestRevoke(feedId: string, suffix = ''): Promise<void> {
    return this.bounded(
      this.jobs.enqueue(QUEUES.feedRevoke, { feedId }, { jobId: `revoke-${feedId}${suffix}` }),
      `revoke ${feedId}`,
    );
  }

  private async bounded(enqueue: Promise<void>, what: string): Promise<void> {
    const settled = enqueue.then(
      () => true,
      (error: unknown) => {
        this.logger.warn(`could not enqueue ${what} (the feed sweeper will): ${String(error)}`);
        return true;
      },
    );
    const done = await Promise.race([settled, sleep(ENQUEUE_WAIT_MS, false, { ref: false })]);
    if (!done) this.logger.warn(`enqueueing ${what} takes over ${ENQUEUE_WAIT_MS} ms; answering anyway`);
  }
}
