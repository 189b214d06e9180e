import { defineQueue, type QueueDefinition } from './queue-definition';

/**
 * Every queue of Threatline, in one place: its name, its payload type and its retry policy.
 * Producers and processors both refer to these constants, so a payload type cannot drift
 * between them. Add one with `defineQueue<Payload>('name', retry?)` when a feature needs it.
 */
export const QUEUES = {
  /** Deletes stream deltas past the retention window (libs/streams); one run per time slot. */
  streamCompact: defineQueue<{ slot: number }>('stream-compact', { attempts: 3, backoffMs: 10_000 }),
  /** Publishes a stored feed onto its streams (libs/feeds); job id `publish-<feedId>`. */
  feedPublish: defineQueue<{ feedId: string }>('feed-publish', { attempts: 8, backoffMs: 500 }),
  /** Removes a revoked feed's indicators from its streams (libs/feeds); job id `revoke-<feedId>`. */
  feedRevoke: defineQueue<{ feedId: string }>('feed-revoke', { attempts: 8, backoffMs: 500 }),
  /** Removes indicators whose TTL has passed (libs/feeds); one run per time slot. */
  indicatorExpire: defineQueue<{ slot: number }>('indicator-expire', { attempts: 1 }),
  /** Re-enqueues feeds left PENDING or REVOKING without a job (libs/feeds); one run per time slot. */
  feedSweep: defineQueue<{ slot: number }>('feed-sweep', { attempts: 1 }),
} satisfies Record<string, QueueDefinition<unknown>>;
