/** Timings and concurrency of the reporting jobs; the defaults suit production, tests change them. */
export interface ReportingWorkerOptions {
  /** Event batches one worker process stores at once (default 4). */
  ingestConcurrency: number;
  /** How often partition maintenance and retention run (default hourly). */
  maintenanceIntervalMs: number;
  /** Most time one maintenance run spends deleting expired rows (default 60 s). */
  deleteBudgetMs: number;
}

export const DEFAULT_REPORTING_WORKER_OPTIONS: ReportingWorkerOptions = {
  ingestConcurrency: 4,
  maintenanceIntervalMs: 3_600_000,
  deleteBudgetMs: 60_000,
};

export const REPORTING_WORKER_OPTIONS = Symbol('REPORTING_WORKER_OPTIONS');
