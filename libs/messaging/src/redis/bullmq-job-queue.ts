import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { assertJobId } from '../job-id';
import {
  ATTACHMENT_ORPHAN_GRACE_MS,
  JobQueue,
  JobQueueClosedError,
  type EnqueueOptions,
  type JobHandler,
  type ProcessOptions,
} from '../job-queue';
import { JOB_HISTORY_SIZE, type QueueDefinition } from '../queue-definition';
import { JobAttachments } from './job-attachments';

/**
 * A BullMQ worker that takes its next job with a call of its own (moveToActive) instead of in the reply that completes
 * the last one. BullMQ 6.7 tests that reply with `result < 0`, which turns the next job's raw reply, an array holding
 * its data, into one string: for an ingest job, the 250 KB of its rows copied into a fresh string, about a fifth of
 * the ingest worker's CPU (on this machine, which faults every large allocation in afresh). One Redis round trip more
 * per job.
 */
class FetchSeparatelyWorker extends Worker {
  override processJob(job: Job, token: string): ReturnType<Worker['processJob']> {
    return super.processJob(job, token, () => false);
  }
}

/** Distributed mode's job queue: BullMQ, every key under `<prefix>:<queue>:`. */
export class BullMqJobQueue extends JobQueue implements OnModuleDestroy {
  private readonly logger = new Logger('JobQueue');
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly attachments: JobAttachments;
  private closed = false;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {
    super();
    this.attachments = new JobAttachments(connection, prefix);
  }

  async enqueue<Payload>(
    queue: QueueDefinition<Payload>,
    payload: Payload,
    options: EnqueueOptions,
  ): Promise<void> {
    if (this.closed) throw new JobQueueClosedError();
    assertJobId(options.jobId);
    const { attachment } = options;
    // Before the job: a job in Redis always has its attachment.
    if (attachment) await this.attachments.write(queue.name, options.jobId, attachment);
    const name = attachment ? JobAttachments.jobName(queue.name) : queue.name;
    // BullMQ ignores an add whose jobId exists in any state, history included.
    await this.queue(queue).add(name, payload, {
      jobId: options.jobId,
      attempts: queue.retry.attempts,
      backoff: { type: 'exponential', delay: queue.retry.backoffMs },
      removeOnComplete: { count: queue.keepCompleted },
      removeOnFail: { count: JOB_HISTORY_SIZE },
    });
  }

  async process<Payload>(
    queue: QueueDefinition<Payload>,
    handler: JobHandler<Payload>,
    options: ProcessOptions = {},
  ): Promise<void> {
    if (this.closed) throw new JobQueueClosedError();
    const worker = new FetchSeparatelyWorker(
      queue.name,
      async (job: Job) => {
        const attachment = JobAttachments.isAttached(job.name)
          ? await this.attachments.read(queue.name, job.id!)
          : undefined;
        await handler(job.data as Payload, {
          id: job.id!,
          attempt: job.attemptsMade + 1,
          attempts: queue.retry.attempts,
          ...(attachment && { attachment }),
        });
      },
      { connection: this.connection, prefix: this.prefix, concurrency: options.concurrency ?? 1 },
    );
    worker.on('completed', (job: Job) => {
      if (!JobAttachments.isAttached(job.name)) return;
      // Left behind if this fails or the process dies first: sweepAttachments removes it.
      this.attachments
        .delete(queue.name, job.id!)
        .catch((error: Error) =>
          this.logger.warn(`${queue.name} job ${job.id}: attachment not deleted: ${error.message}`),
        );
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (!job) return;
      const final = job.attemptsMade >= queue.retry.attempts;
      const message = `${queue.name} job ${job.id} failed attempt ${job.attemptsMade}${final ? ', giving up' : ', will retry'}: ${error.message}`;
      if (final) this.logger.error(message);
      else this.logger.warn(message);
    });
    worker.on('error', (error: Error) => this.logger.error(`${queue.name} worker: ${error.message}`));
    this.workers.push(worker);
    await worker.waitUntilReady();
  }

  sweepAttachments(queue: QueueDefinition<unknown>): Promise<number> {
    return this.attachments.sweep(queue.name, ATTACHMENT_ORPHAN_GRACE_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    // Running jobs finish first; waiting and delayed ones stay in Redis for the next worker.
    await Promise.all(this.workers.map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  private queue(definition: QueueDefinition<unknown>): Queue {
    let queue = this.queues.get(definition.name);
    if (!queue) {
      queue = new Queue(definition.name, { connection: this.connection, prefix: this.prefix });
      // Without a listener an 'error' (Redis unreachable) would be an unhandled EventEmitter error; the enqueue
      // itself waits for Redis to come back and rejects only if the queue is closed.
      queue.on('error', (error: Error) => this.logger.warn(`${definition.name} queue: ${error.message}`));
      this.queues.set(definition.name, queue);
    }
    return queue;
  }
}
