import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JobQueue, QUEUES } from '@threatline/messaging';
import { StreamMaintenance } from './stream-maintenance';

/** How often compaction runs. */
export const COMPACTION_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Runs stream compaction as a repeatable job: every process with this module enqueues the job of the current time
 * slot, and the job id (`stream-compact-<slot>`) makes all but the first enqueue a no-op, so one run happens per
 * slot across all replicas, whichever worker takes it.
 */
@Injectable()
export class StreamCompactionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly jobs: JobQueue,
    private readonly maintenance: StreamMaintenance,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.process(QUEUES.streamCompact, async () => {
      await this.maintenance.compact();
    });
    await this.enqueueCurrentSlot();
    this.timer = setInterval(
      () => void this.enqueueCurrentSlot().catch(() => undefined),
      COMPACTION_INTERVAL_MS,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async enqueueCurrentSlot(): Promise<void> {
    const slot = Math.floor(Date.now() / COMPACTION_INTERVAL_MS);
    await this.jobs.enqueue(QUEUES.streamCompact, { slot }, { jobId: `stream-compact-${slot}` });
  }
}
