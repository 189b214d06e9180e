import { DEFAULT_DELETE_LIMITS, type DeleteLimits } from './partitions/partition-maintenance';

/** Timings and concurrency of the reporting jobs; the defaults suit production, tests change them. */
export interface ReportingWorkerOptions {
  /** Event batches one worker process stores at once (default 4). */
  ingestConcurrency: number;
  /** How often partition maintenance and retention run (default hourly). */
  maintenanceIntervalMs: number;
  /** Rows per retention DELETE and time one maintenance run spends deleting (default 5000 rows, 60 s). */
  deleteLimits: DeleteLimits;
}

export const DEFAULT_REPORTING_WORKER_OPTIONS: ReportingWorkerOptions = {
  ingestConcurrency: 4,
  maintenanceIntervalMs: 3_600_000,
  deleteLimits: DEFAULT_DELETE_LIMITS,
};

export const REPORTING_WORKER_OPTIONS = Symbol('REPORTING_WORKER_OPTIONS');
