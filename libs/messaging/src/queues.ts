import { defineQueue, type QueueDefinition } from './queue-definition';

/**
 * A batch of threat events as the gateway enqueues it: the events as rows of PostgreSQL COPY text (libs/reporting's
 * encodeEvents), which neither the queue nor the worker turns into objects, in the job's attachment (pieces of whole
 * rows, `rowsAttached`), with the UTC days (`YYYY-MM-DD`) and hours (`YYYY-MM-DDTHH`) they fall on and their number;
 * `delimiter` separates the fields. The worker still reads the older forms, since an upgrade may find acknowledged
 * batches waiting in Redis: the rows inline in `rows` (one string in the oldest of them, a tab as the delimiter and
 * no hours when absent), and before that `events` as an array of objects.
 */
export type ThreatEventIngestPayload = {
  firewallId: string;
  batchId: string;
  receivedAt: string;
} & (
  | { rowsAttached: true; delimiter: string; days: string[]; hours: string[]; count: number }
  | { rows: string | string[]; delimiter?: string; days: string[]; hours?: string[]; count: number }
  | { events: readonly object[] }
);

/**
 * Every queue of Threatline, in one place: its name, its payload type and its retry policy.
 * Producers and processors both refer to these constants, so a payload type cannot drift
 * between them. Add one with `defineQueue<Payload>('name', options?)` when a feature needs it.
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
  /**
   * One agent batch of threat events to store (libs/reporting); job id `events-<firewallId>-<hash of batch>`. The
   * events were validated by the gateway against threatEventSchema before the enqueue. Many attempts with
   * exponential backoff (about 9 hours in all): the batch was acknowledged to its agent, so a database outage must
   * not lose it. Few completed batches are kept: they are large, and a batch resent after its job was removed is
   * still stored once (the table is idempotent by event id).
   */
  threatEventIngest: defineQueue<ThreatEventIngestPayload>('threat-event-ingest', {
    attempts: 16,
    backoffMs: 1000,
    keepCompleted: 100,
  }),
  /** Creates event partitions ahead, drops and trims expired ones (libs/reporting); one run per time slot. */
  threatEventMaintenance: defineQueue<{ slot: number }>('threat-event-maintenance', {
    attempts: 3,
    backoffMs: 10_000,
  }),
  /** Computes the summary rollups of settled hours and days ahead of summaries (libs/reporting); one run per slot. */
  threatEventRollupWarm: defineQueue<{ slot: number }>('threat-event-rollup-warm', { attempts: 1 }),
} satisfies Record<string, QueueDefinition<unknown>>;
