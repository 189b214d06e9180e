import { DEFAULT_DELETE_LIMITS, type DeleteLimits } from './partitions/partition-maintenance';
import { DEFAULT_WARMING_LIMITS, type WarmingLimits } from './rollup/rollup-warming';

/** Timings and concurrency of the reporting jobs; the defaults suit production, tests change them. */
export interface ReportingWorkerOptions {
  /**
   * Event batches one worker process stores at once (default 2). Concurrent COPYs insert into the same B-tree pages
   * (a tenant's newest events, a firewall's newest keys): in the ingest bench, 2 at once cost PostgreSQL 16.7 µs per
   * event against 19.0 µs with 4, at the same rate (medians of 5 alternating runs); 1 at once, 9.9 µs, but every
   * batch waited for the one before (22,000 events/s).
   */
  ingestConcurrency: number;
  /** How often partition maintenance and retention run (default hourly). */
  maintenanceIntervalMs: number;
  /** Rows per retention DELETE and time one maintenance run spends deleting (default 5000 rows, 60 s). */
  deleteLimits: DeleteLimits;
  /** How often the summary rollups of newly settled hours are computed ahead of summaries (default 5 min). */
  warmingIntervalMs: number;
  /** Hour rollups one warming run computes, and its time (default 5000 hours, 120 s). */
  warmingLimits: WarmingLimits;
}

export const DEFAULT_REPORTING_WORKER_OPTIONS: ReportingWorkerOptions = {
  ingestConcurrency: 2,
  maintenanceIntervalMs: 3_600_000,
  deleteLimits: DEFAULT_DELETE_LIMITS,
  warmingIntervalMs: 5 * 60_000,
  warmingLimits: DEFAULT_WARMING_LIMITS,
};

export const REPORTING_WORKER_OPTIONS = Symbol('REPORTING_WORKER_OPTIONS');
