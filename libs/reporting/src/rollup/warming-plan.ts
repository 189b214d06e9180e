import { DAY_MS } from '../partitions/partition-days';
import type { TenantHorizon } from '../query/event-query';
import { cacheableHours, HOUR_MS, type RollupPeriod } from './summary-plan';

/** One tenant's cacheable hours of one UTC day, and the day's own rollup when all 24 of them are cacheable. */
export interface WarmingDay {
  tenantId: string;
  /** UTC midnight. */
  start: Date;
  /** Newest first. */
  hours: RollupPeriod[];
  day: RollupPeriod | null;
}

/**
 * Every rollup a summary of the tenant may cache at `databaseNow` (the hours cacheableHours admits from the tenant's
 * horizon on, and the whole UTC days among them), by UTC day, newest first: what the warming job keeps fresh.
 */
export function planWarming({ tenantId, horizon }: TenantHorizon, databaseNow: Date): WarmingDay[] {
  const cacheable = cacheableHours(horizon, horizon.getTime(), databaseNow.getTime(), databaseNow);
  if (cacheable === null) return [];
  const days: WarmingDay[] = [];
  for (
    let day = Math.floor((cacheable.to - 1) / DAY_MS) * DAY_MS;
    day + DAY_MS > cacheable.from;
    day -= DAY_MS
  ) {
    const from = Math.max(day, cacheable.from);
    const to = Math.min(day + DAY_MS, cacheable.to);
    const hours: RollupPeriod[] = [];
    for (let at = to - HOUR_MS; at >= from; at -= HOUR_MS)
      hours.push({ tenantId, start: new Date(at), hours: 1 });
    const whole = from === day && to === day + DAY_MS;
    days.push({
      tenantId,
      start: new Date(day),
      hours,
      day: whole ? { tenantId, start: new Date(day), hours: 24 } : null,
    });
  }
  return days;
}
