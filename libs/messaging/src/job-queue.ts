import type { QueueDefinition } from './queue-definition';

export interface JobContext {
  readonly id: string;
  /** 1 for the first run, 2 for the first retry, ... */
  readonly attempt: number;
  /** The queue's total number of runs; on the last one a failure is final. */
  readonly attempts: number;
}

/** Processes one job. Throwing fails the attempt; the job is retried with backoff. */
export type JobHandler<Payload> = (payload: Payload, job: JobContext) => Promise<void>;

export interface EnqueueOptions {
  /**
   * Derived by the caller from the payload. While a job with this id is waiting, running,
   * waiting for a retry, or among the queue's recent finished jobs, the enqueue is a no-op.
   */
  readonly jobId: string;
}

export interface ProcessOptions {
  /** Jobs of this queue this process runs at once (default 1). */
  readonly concurrency?: number;
}

/**
 * Background jobs: BullMQ on Redis in distributed mode, in process in embedded mode, with
 * the same behaviour. Jobs run at least once (a process can die mid-job), so every handler
 * must be idempotent.
 */
export abstract class JobQueue {
  abstract enqueue<Payload>(
    queue: QueueDefinition<Payload>,
    payload: Payload,
    options: EnqueueOptions,
  ): Promise<void>;

  /** Starts processing `queue` in this process; resolves once the worker is running. */
  abstract process<Payload>(
    queue: QueueDefinition<Payload>,
    handler: JobHandler<Payload>,
    options?: ProcessOptions,
  ): Promise<void>;

  /** Stops taking jobs and waits for the running ones to finish; later enqueues fail. */
  abstract close(): Promise<void>;
}

export class JobQueueClosedError extends Error {
  override readonly name = 'JobQueueClosedError';
  constructor() {
    super('the job queue is closed');
  }
}
