import { DEFAULT_DELETE_LIMITS, type DeleteLimits } from './partitions/partition-maintenance';
import { DEFAULT_WARMING_LIMITS, type WarmingLimits } from './rollup/rollup-warming';

/** Timings and concurrency of the reporting jobs; the defaults suit production, tests change them. */
export interface ReportingWorkerOptions {
  /** Event batches one worker process stores at once (default 4). */
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
  ingestConcurrency: 4,
  maintenanceIntervalMs: 3_600_000,
  deleteLimits: DEFAULT_DELETE_LIMITS,
  warmingIntervalMs: 5 * 60_000,
  warmingLimits: DEFAULT_WARMING_LIMITS,
};

export const REPORTING_WORKER_OPTIONS = Symbol('REPORTING_WORKER_OPTIONS');
