import { Injectable } from '@nestjs/common';
import type { Prisma } from '@threatline/db';
import { staleRollups } from './rollup-freshness';
import { HOUR_MS, type RollupPeriod } from './summary-plan';
import {
  ThreatEventRollupRepository,
  type RollupSource,
  type RollupState,
} from './threat-event-rollup.repository';

export interface RefreshOptions {
  source?: RollupSource;
  /** The most periods to compute, the first stale ones in the order given. */
  limit?: number;
}

/**
 * The one way rollups are written, by summaries and by the warming job alike: the periods whose rollup is missing
 * or stale in the state read in the same transaction (the version check) are computed and stored, under each
 * tenant's rollup lock. Callers count what was computed once their transaction committed (it may run again).
 */
@Injectable()
export class RollupRefresh {
  constructor(private readonly repository: ThreatEventRollupRepository) {}

  /** Refreshes the stale rollups of `periods` in the transaction `tx` whose state was read; returns those computed. */
  async refresh(
    tx: Prisma.TransactionClient,
    state: RollupState,
    periods: readonly RollupPeriod[],
    { source = 'events', limit = Infinity }: RefreshOptions = {},
  ): Promise<RollupPeriod[]> {
    const stale = staleRollups(state, periods).slice(0, limit);
    for (const [tenantId, tenantPeriods] of groupBy(stale, (period) => period.tenantId)) {
      await this.repository.lockTenant(tx, tenantId);
      await this.repository.compute(tx, tenantId, tenantPeriods, source);
    }
    return stale;
  }

  /**
   * Refreshes the stale rollups of `periods` outside any summary snapshot: one short READ COMMITTED transaction per
   * tenant that takes the tenant's lock first (waiting for a warming job's tenant-day), then reads the state, so it
   * finds what committed before and computes the rest. Returns how many were computed.
   */
  async refreshCommitted(periods: readonly RollupPeriod[]): Promise<number> {
    let computed = 0;
    for (const [tenantId, tenantPeriods] of groupBy(periods, (period) => period.tenantId)) {
      const from = Math.min(...tenantPeriods.map((period) => period.start.getTime()));
      const to = Math.max(...tenantPeriods.map((period) => period.start.getTime() + period.hours * HOUR_MS));
      computed += await this.repository.committed(async (tx) => {
        await this.repository.lockTenant(tx, tenantId);
        const state = await this.repository.state(tx, [tenantId], new Date(from), new Date(to));
        return (await this.refresh(tx, state, tenantPeriods)).length;
      });
    }
    return computed;
  }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}
