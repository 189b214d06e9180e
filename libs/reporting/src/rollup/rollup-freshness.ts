import { HOUR_MS, type RollupPeriod } from './summary-plan';
import type { RollupState } from './threat-event-rollup.repository';

/** A period's identity: `${tenantId} ${hours} ${start in ms}`. */
export function periodKey(period: RollupPeriod): string {
  return `${period.tenantId} ${period.hours} ${period.start.getTime()}`;
}

/** The version a period's rollup must carry to be used: its hour's, or the sum of its hours' (versions only grow). */
export function versionOf(state: RollupState, period: RollupPeriod): number {
  let version = 0;
  for (let hour = 0; hour < period.hours; hour++) {
    version += state.versions.get(`${period.tenantId} ${period.start.getTime() + hour * HOUR_MS}`) ?? 0;
  }
  return version;
}

/** The periods, in their order, whose rollup is missing from `state` or carries another version than theirs. */
export function staleRollups(state: RollupState, periods: readonly RollupPeriod[]): RollupPeriod[] {
  return periods.filter((period) => state.rollups.get(periodKey(period)) !== versionOf(state, period));
}
