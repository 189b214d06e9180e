/** Timings of the feed jobs; the defaults suit production, tests shorten them. */
export interface FeedsWorkerOptions {
  /** How often expired indicators are removed (default 5 s): an indicator lives at most this much past its TTL. */
  expireIntervalMs: number;
  /** How often unfinished feeds are looked for (default 10 s). */
  sweepIntervalMs: number;
  /** A PENDING or REVOKING feed older than this is re-enqueued (default 5 s). */
  sweepAfterMs: number;
  /** Feed jobs (publish and revoke each) one process runs at once (default 2). */
  concurrency: number;
  /**
   * How long a job's lease on its feed lasts without a heartbeat (default 30 s; renewed every third of it): a
   * worker that died is taken over after at most this much, plus the sweep.
   */
  leaseMs: number;
}

export const DEFAULT_FEEDS_WORKER_OPTIONS: FeedsWorkerOptions = {
  expireIntervalMs: 5_000,
  sweepIntervalMs: 10_000,
  sweepAfterMs: 5_000,
  concurrency: 2,
  leaseMs: 30_000,
};

export const FEEDS_WORKER_OPTIONS = Symbol('FEEDS_WORKER_OPTIONS');
