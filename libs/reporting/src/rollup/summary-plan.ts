import { DAY_MS } from '../partitions/partition-days';
import type { TenantHorizon } from '../query/event-query';

export const HOUR_MS = 3_600_000;

/**
 * Hours that ended less than this long ago (by PostgreSQL's clock) are counted from the events, never cached. The
 * ingest worker marks an hour changed only when it stores events for it more than SETTLE_MS - CLOCK_SKEW_MS after
 * the hour ended (see lateHours): a batch committed sooner is visible to any summary that may cache the hour.
 */
export const SETTLE_MS = 10 * 60_000;
/** How far the clock of an ingest worker may lag PostgreSQL's before a late batch could go unnoticed. */
export const CLOCK_SKEW_MS = 2 * 60_000;
/**
 * Hours this close to a tenant's retention horizon are counted from the events: the retention job may be deleting
 * them, and a rollup computed meanwhile would outlive the events it counted.
 */
export const HORIZON_MARGIN_MS = HOUR_MS;

/** Complete hours of one tenant, counted once and cached: one hour, or a UTC day of 24. */
export interface RollupPeriod {
  tenantId: string;
  start: Date;
  hours: 1 | 24;
}

/** A piece of the range counted from the events themselves. */
export interface RawRange {
  tenantId: string;
  from: Date;
  to: Date;
}

export interface SummaryPlan {
  periods: RollupPeriod[];
  raw: RawRange[];
}

/**
 * Splits [from, to) of each tenant (from its retention horizon on) into cacheable periods (whole UTC days where
 * possible, else hours) and the rest: the partial hours at both ends, the hours near the horizon, and the hours
 * that ended less than SETTLE_MS before `databaseNow`. Periods and raw ranges cover the range exactly once.
 */
export function planSummary(
  tenants: readonly TenantHorizon[],
  from: Date,
  to: Date,
  databaseNow: Date,
): SummaryPlan {
  const plan: SummaryPlan = { periods: [], raw: [] };
  const end = to.getTime();
  for (const { tenantId, horizon } of tenants) {
    const start = Math.max(from.getTime(), horizon.getTime());
    if (start >= end) continue;
    const cacheable = cacheableHours(horizon, start, end, databaseNow);
    if (cacheable === null) {
      plan.raw.push({ tenantId, from: new Date(start), to: new Date(end) });
      continue;
    }
    const { from: cacheFrom, to: cacheTo } = cacheable;
    if (start < cacheFrom) plan.raw.push({ tenantId, from: new Date(start), to: new Date(cacheFrom) });
    for (let at = cacheFrom; at < cacheTo;) {
      const day = at % DAY_MS === 0 && at + DAY_MS <= cacheTo;
      plan.periods.push({ tenantId, start: new Date(at), hours: day ? 24 : 1 });
      at += day ? DAY_MS : HOUR_MS;
    }
    if (cacheTo < end) plan.raw.push({ tenantId, from: new Date(cacheTo), to: new Date(end) });
  }
  return plan;
}

/**
 * The whole hours of [start, end) (ms) whose rollups may be cached for a tenant with this retention horizon: clear
 * of the horizon by HORIZON_MARGIN_MS, ended SETTLE_MS before `databaseNow`. Null when there is none. The summary
 * and the warming job (warming-plan.ts) both cache exactly these.
 */
export function cacheableHours(
  horizon: Date,
  start: number,
  end: number,
  databaseNow: Date,
): { from: number; to: number } | null {
  const from = ceilTo(Math.max(start, horizon.getTime() + HORIZON_MARGIN_MS), HOUR_MS);
  const to = Math.min(floorTo(end, HOUR_MS), floorTo(databaseNow.getTime() - SETTLE_MS, HOUR_MS));
  return from < to ? { from, to } : null;
}

/**
 * The hours (`YYYY-MM-DDTHH`, UTC) of a stored batch whose rollups it may have made stale: those that ended at least
 * SETTLE_MS - CLOCK_SKEW_MS before `now` (the worker's clock, read after the batch was committed). A summary
 * caches an hour only SETTLE_MS after it ended by PostgreSQL's clock, so a batch committed before that is counted
 * by every rollup of its hours.
 */
export function lateHours(hours: readonly string[], now: number): string[] {
  const latestEnd = now - (SETTLE_MS - CLOCK_SKEW_MS);
  return hours.filter((hour) => Date.parse(`${hour}:00:00.000Z`) + HOUR_MS <= latestEnd);
}

function floorTo(ms: number, width: number): number {
  return Math.floor(ms / width) * width;
}

function ceilTo(ms: number, width: number): number {
  return Math.ceil(ms / width) * width;
}
