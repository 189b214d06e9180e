import { Logger } from '@nestjs/common';
import { JobQueue } from './job-queue';
import type { QueueDefinition } from './queue-definition';

/**
 * A repeatable job: every `intervalMs`, each worker process enqueues the job of the current time slot with the
 * job id `<name>-<slot>`. The queue keeps one job per id, so however many workers run, each slot runs once; a
 * slot missed while the queue was unreachable is simply covered by the next one (each run does all due work).
 */
export class PeriodicJob {
  private readonly logger = new Logger(PeriodicJob.name);
  private timer: NodeJS.Timeout | undefined;
  /** An enqueue still waiting (Redis unreachable): later ticks skip rather than pile up behind it. */
  private waiting = false;

  constructor(
    private readonly jobs: JobQueue,
    private readonly queue: QueueDefinition<{ slot: number }>,
    private readonly intervalMs: number,
  ) {}

  /** Enqueues the current slot now, then once per interval. */
  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.waiting) return;
    const slot = Math.floor(Date.now() / this.intervalMs);
    this.waiting = true;
    this.jobs
      .enqueue(this.queue, { slot }, { jobId: `${this.queue.name}-${slot}` })
      .catch((error: unknown) =>
        this.logger.warn(`could not enqueue ${this.queue.name} slot ${slot}: ${String(error)}`),
      )
      .finally(() => {
        this.waiting = false;
      });
  }
}
