import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
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
  private readonly logger = new Logger(StreamCompactionScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  /** An enqueue still waiting (Redis unreachable): later ticks skip rather than pile up behind it. */
  private enqueueing = false;

  constructor(
    private readonly jobs: JobQueue,
    private readonly maintenance: StreamMaintenance,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.process(QUEUES.streamCompact, async () => {
      await this.maintenance.compact();
    });
    this.enqueueCurrentSlot();
    this.timer = setInterval(() => this.enqueueCurrentSlot(), COMPACTION_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private enqueueCurrentSlot(): void {
    if (this.enqueueing) return;
    const slot = Math.floor(Date.now() / COMPACTION_INTERVAL_MS);
    this.enqueueing = true;
    this.jobs
      .enqueue(QUEUES.streamCompact, { slot }, { jobId: `stream-compact-${slot}` })
      .catch((error: unknown) =>
        this.logger.warn(`could not enqueue stream compaction ${slot}: ${String(error)}`),
      )
      .finally(() => {
        this.enqueueing = false;
      });
  }
}
