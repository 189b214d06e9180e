import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { assertJobId } from '../job-id';
import {
  JobQueue,
  JobQueueClosedError,
  type EnqueueOptions,
  type JobHandler,
  type ProcessOptions,
} from '../job-queue';
import {
  backoffDelayMs,
  JOB_HISTORY_SIZE,
  type QueueDefinition,
  type RetryPolicy,
} from '../queue-definition';

interface LocalJob {
  readonly id: string;
  /** JSON, as in Redis: the handler never shares objects with the producer. */
  readonly data: string;
  readonly attachment?: readonly Buffer[];
  failedAttempts: number;
}

interface LocalWorker {
  readonly handler: JobHandler<unknown>;
  readonly concurrency: number;
  running: number;
}

/** A bounded set that forgets its oldest entries, like BullMQ's removeOnComplete/Fail count. */
class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  add(id: string): void {
    if (this.capacity === 0) return;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }
}

class LocalQueue {
  readonly ready: LocalJob[] = [];
  /** Ids waiting, running or waiting for a retry. */
  readonly pending = new Set<string>();
  readonly completed: RecentIds;
  readonly failed = new RecentIds(JOB_HISTORY_SIZE);
  readonly workers: LocalWorker[] = [];

  constructor(
    readonly name: string,
    readonly retry: RetryPolicy,
    keepCompleted: number,
  ) {
    this.completed = new RecentIds(keepCompleted);
  }

  knows(id: string): boolean {
    return this.pending.has(id) || this.completed.has(id) || this.failed.has(id);
  }
}

/**
 * Embedded mode's job queue: the semantics of the BullMQ one (asynchronous runs, retries
 * with exponential backoff, jobId deduplication, bounded history) without Redis. Jobs live
 * in memory: those not finished when the process stops are gone, so work must also be
 * recoverable from PostgreSQL (which is the source of truth anyway).
 */
export class InProcessJobQueue extends JobQueue implements OnModuleDestroy {
  private readonly logger = new Logger('JobQueue');
  private readonly queues = new Map<string, LocalQueue>();
  private readonly running = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  enqueue<Payload>(
    queue: QueueDefinition<Payload>,
    payload: Payload,
    options: EnqueueOptions,
  ): Promise<void> {
    // An executor's throw becomes a rejection, as errors are with the BullMQ queue.
    return new Promise((resolve) => {
      if (this.closed) throw new JobQueueClosedError();
      assertJobId(options.jobId);
      const local = this.localQueue(queue);
      if (!local.knows(options.jobId)) {
        local.pending.add(options.jobId);
        local.ready.push({
          id: options.jobId,
          data: JSON.stringify(payload) ?? 'null',
          ...(options.attachment && { attachment: options.attachment.map((piece) => Buffer.from(piece)) }),
          failedAttempts: 0,
        });
        this.dispatchSoon(local);
      }
      resolve();
    });
  }

  process<Payload>(
    queue: QueueDefinition<Payload>,
    handler: JobHandler<Payload>,
    options: ProcessOptions = {},
  ): Promise<void> {
    if (this.closed) return Promise.reject(new JobQueueClosedError());
    const local = this.localQueue(queue);
    local.workers.push({
      handler: handler as JobHandler<unknown>,
      concurrency: options.concurrency ?? 1,
      running: 0,
    });
    this.dispatchSoon(local);
    return Promise.resolve();
  }

  /** Attachments live in their job's memory and go with it: nothing to sweep. */
  sweepAttachments(): Promise<number> {
    return Promise.resolve(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    // Jobs waiting for a retry are dropped with the process, as waiting ones are.
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.all(this.running);
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  private localQueue(queue: QueueDefinition<unknown>): LocalQueue {
    let local = this.queues.get(queue.name);
    if (!local) {
      local = new LocalQueue(queue.name, queue.retry, queue.keepCompleted);
      this.queues.set(queue.name, local);
    }
    return local;
  }

  // Jobs always start on a later turn of the event loop: enqueue never runs a handler itself.
  private dispatchSoon(local: LocalQueue): void {
    setImmediate(() => this.dispatch(local));
  }

  private dispatch(local: LocalQueue): void {
    if (this.closed) return;
    for (const worker of local.workers) {
      while (worker.running < worker.concurrency && local.ready.length > 0) {
        this.start(local, worker, local.ready.shift()!);
      }
    }
  }

  private start(local: LocalQueue, worker: LocalWorker, job: LocalJob): void {
    worker.running++;
    const run = this.run(local, worker, job).finally(() => {
      worker.running--;
      this.running.delete(run);
      this.dispatchSoon(local);
    });
    this.running.add(run);
  }

  private async run(local: LocalQueue, worker: LocalWorker, job: LocalJob): Promise<void> {
    const attempt = job.failedAttempts + 1;
    try {
      await worker.handler(JSON.parse(job.data), {
        id: job.id,
        attempt,
        attempts: local.retry.attempts,
        ...(job.attachment && { attachment: job.attachment }),
      });
      local.pending.delete(job.id);
      local.completed.add(job.id);
    } catch (error) {
      job.failedAttempts = attempt;
      if (attempt < local.retry.attempts) {
        this.logger.warn(
          `${local.name} job ${job.id} failed attempt ${attempt}, will retry: ${String(error)}`,
        );
        const timer = setTimeout(
          () => {
            this.retryTimers.delete(timer);
            local.ready.push(job);
            this.dispatch(local);
          },
          backoffDelayMs(local.retry, attempt),
        );
        this.retryTimers.add(timer);
      } else {
        this.logger.error(`${local.name} job ${job.id} failed after ${attempt} attempts: ${String(error)}`);
        local.pending.delete(job.id);
        local.failed.add(job.id);
      }
    }
  }
}
