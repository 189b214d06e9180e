import type { QueueDefinition } from './queue-definition';

export interface JobContext {
  readonly id: string;
  /** 1 for the first run, 2 for the first retry, ... */
  readonly attempt: number;
  /** The queue's total number of runs; on the last one a failure is final. */
  readonly attempts: number;
  /**
   * The attachment the job was enqueued with (EnqueueOptions.attachment), its pieces in order; undefined when it was
   * enqueued without one, and also when its attachment is gone from Redis (a handler that expected one must fail
   * loudly then, never treat the job as empty).
   */
  readonly attachment?: readonly Buffer[];
}

/** Processes one job. Throwing fails the attempt; the job is retried with backoff. */
export type JobHandler<Payload> = (payload: Payload, job: JobContext) => Promise<void>;

export interface EnqueueOptions {
  /**
   * Derived by the caller from the payload. While a job with this id is waiting, running,
   * waiting for a retry, or among the queue's recent finished jobs, the enqueue is a no-op.
   */
  readonly jobId: string;
  /**
   * Bulk content carried beside the payload, in pieces, never in the job's JSON: BullMQ writes a job's data as one
   * JSON text and reads it back as one string, and for a few hundred KB that copying and the large-object pages it
   * takes cost more than the job's real work. With BullMQ it is a Redis list of its own, written (atomically) before
   * the job is added, so an acknowledged job always has it; it is deleted once the job completes
   * (sweepAttachments removes what a crash left behind). The handler gets it as Buffers (JobContext.attachment).
   */
  readonly attachment?: readonly (string | Uint8Array)[];
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

  /**
   * Deletes the attachments of `queue` no job needs any more: those of completed jobs (their deletion at completion
   * did not happen, the worker died first, or a late duplicate enqueue wrote one again) and those without a job
   * written more than ATTACHMENT_ORPHAN_GRACE_MS ago (an enqueue that failed after writing it). Returns how many.
   */
  abstract sweepAttachments(queue: QueueDefinition<unknown>): Promise<number>;

  /** Stops taking jobs and waits for the running ones to finish; later enqueues fail. */
  abstract close(): Promise<void>;
}

/**
 * How long an attachment without a job is kept: an enqueue writes the attachment, then adds the job, and must not
 * find it swept in between. Far longer than any enqueue is waited for (the gateway's accept timeout is seconds).
 */
export const ATTACHMENT_ORPHAN_GRACE_MS = 15 * 60_000;

export class JobQueueClosedError extends Error {
  override readonly name = 'JobQueueClosedError';
  constructor() {
    super('the job queue is closed');
  }
}
