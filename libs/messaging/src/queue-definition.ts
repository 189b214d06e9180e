/** How often a job runs before it counts as failed, and how long it waits in between. */
export interface RetryPolicy {
  /** Runs in total, the first one included. */
  readonly attempts: number;
  /** Wait before the first retry; doubles with each further one (exponential backoff). */
  readonly backoffMs: number;
}

/**
 * A typed queue. The payload type lives only in the type system; payloads travel as JSON,
 * so they must survive JSON.stringify/parse (no Date, Map, bigint or class instances).
 */
export interface QueueDefinition<Payload> {
  readonly name: string;
  readonly retry: RetryPolicy;
  /** Completed jobs kept (newest first); while kept, an enqueue with the same job id is a no-op. */
  readonly keepCompleted: number;
  /** Type-only marker of the payload; never set. */
  readonly payload?: Payload;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, backoffMs: 1000 };

/**
 * Finished jobs kept per queue (completed, and separately failed), newest first. While a
 * job is kept, an enqueue with its jobId is a no-op, exactly as while it is pending.
 */
export const JOB_HISTORY_SIZE = 1000;

export interface QueueOptions extends Partial<RetryPolicy> {
  /**
   * Completed jobs to keep (default JOB_HISTORY_SIZE). Lower it for queues of large payloads whose handlers are
   * idempotent by content anyway (event batches): the history is what Redis holds of them after they ran.
   */
  readonly keepCompleted?: number;
}

export function defineQueue<Payload>(name: string, options: QueueOptions = {}): QueueDefinition<Payload> {
  const { keepCompleted = JOB_HISTORY_SIZE, ...retry } = options;
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new Error(`queue name "${name}" must be lowercase letters, digits and dashes`);
  }
  const policy = { ...DEFAULT_RETRY, ...retry };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1 || policy.backoffMs < 0) {
    throw new Error(`queue "${name}": attempts must be a positive integer and backoffMs not negative`);
  }
  if (!Number.isInteger(keepCompleted) || keepCompleted < 0) {
    throw new Error(`queue "${name}": keepCompleted must be a whole number`);
  }
  return { name, retry: policy, keepCompleted };
}

/** Wait before run `attempt + 1` after `attempt` failed (BullMQ's exponential backoff). */
export function backoffDelayMs(retry: RetryPolicy, failedAttempts: number): number {
  return Math.round(2 ** (failedAttempts - 1) * retry.backoffMs);
}
