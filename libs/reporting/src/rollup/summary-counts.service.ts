import { Injectable } from '@nestjs/common';
import type { Prisma } from '@threatline/db';
import { ReportingMetrics } from '../reporting.metrics';
import type { TenantHorizon } from '../query/event-query';
import type { SummaryRow } from '../query/threat-event-query.repository';
import { periodKey, staleRollups } from './rollup-freshness';
import { RollupRefresh } from './rollup-refresh';
import {
  ROLLUP_TOP,
  ThreatEventRollupRepository,
  type RestDimension,
  type RollupCounts,
} from './threat-event-rollup.repository';
import { HOUR_MS, planSummary, type RollupPeriod } from './summary-plan';
import { listDeeper, pickTop, restLookup, type PeriodTop } from './top-counts';
import { kindOf, KINDS, slotMinutesFor } from './traffic-kinds';

/** Separates an indicator from its type in a key; indicators hold no control characters. */
const TYPE_SEPARATOR = '\u0000';

type Tx = Prisma.TransactionClient;

/**
 * The summary's counts over a range, as rows for toSummaryModel: complete hours and days from their rollups
 * (computed from the events the first time, and again when late events changed them), the rest from the events.
 * Exact as of one snapshot; the top indicators and firewalls are picked by pickTop from the rollups' listed keys.
 */
@Injectable()
export class SummaryCountsService {
  constructor(
    private readonly repository: ThreatEventRollupRepository,
    private readonly rollups: RollupRefresh,
    private readonly metrics: ReportingMetrics,
  ) {}

  async count(
    tenants: readonly TenantHorizon[],
    from: Date,
    to: Date,
    bucketMs: number,
    top: number,
  ): Promise<SummaryRow[]> {
    // Once the warming job has run (rollup-warming.ts) there is nothing to compute, unless late events came since.
    // The first snapshot writes nothing: what it finds missing or stale is computed outside it (refreshCommitted,
    // which a warming job or another summary writing the same rollups never makes start over), and the snapshot
    // is taken again. What went stale in between (more late events) is computed inside the second one.
    let computed = 0;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.repository.snapshot((tx) =>
        this.countIn(tx, tenants, from, to, bucketMs, top, attempt > 1),
      );
      if ('rows' in outcome) {
        this.metrics.rollupsComputed.inc({ by: 'summary' }, computed + outcome.computed);
        return outcome.rows;
      }
      computed += await this.rollups.refreshCommitted(outcome.stale);
    }
  }

  private async countIn(
    tx: Tx,
    tenants: readonly TenantHorizon[],
    from: Date,
    to: Date,
    bucketMs: number,
    top: number,
    computeStale: boolean,
  ): Promise<{ rows: SummaryRow[]; computed: number } | { stale: RollupPeriod[] }> {
    const tenantIds = tenants.map((tenant) => tenant.tenantId);
    const state = await this.repository.state(tx, tenantIds, floorHour(from), to);
    const plan = planSummary(tenants, from, to, state.now);
    if (!computeStale) {
      const stale = staleRollups(state, plan.periods);
      if (stale.length > 0) return { stale };
    }
    const computed = (await this.rollups.refresh(tx, state, plan.periods)).length;

    const rollups =
      plan.periods.length === 0 ? [] : await this.repository.read(tx, plan.periods, slotMinutesFor(bucketMs));
    if (rollups.length !== plan.periods.length) {
      throw new Error(`read ${rollups.length} of the summary's ${plan.periods.length} rollups`);
    }
    const raw = await this.repository.raw(tx, plan.raw, bucketMs);
    const rows = [
      ...(await this.topRows(tx, 'indicator', rollups, raw, top)),
      ...(await this.topRows(tx, 'firewall', rollups, raw, top)),
      ...raw.filter((row) => row.dimension === 'traffic'),
      ...trafficRows(rollups, bucketMs),
    ];
    return { rows, computed };
  }

  /** The top rows of one dimension: the rollups' listed counts, the events' counts, and the rests pickTop needs. */
  private async topRows(
    tx: Tx,
    dimension: RestDimension,
    rollups: readonly RollupCounts[],
    raw: readonly SummaryRow[],
    top: number,
  ): Promise<SummaryRow[]> {
    let periods: PeriodTop[] = rollups.map((rollup) =>
      dimension === 'indicator'
        ? {
            top: new Map(
              rollup.topIndicators.map((indicator, i) => [
                indicatorKey(indicator, rollup.topIndicatorTypes[i]!),
                rollup.topIndicatorCounts[i]!,
              ]),
            ),
            restMax: rollup.indicatorRestMax,
          }
        : {
            top: new Map(rollup.topFirewalls.map((id, i) => [id, rollup.topFirewallCounts[i]!])),
            restMax: rollup.firewallRestMax,
          },
    );
    const known = new Map<string, number>();
    for (const row of raw) {
      if (row.dimension === 'indicator' && dimension === 'indicator') {
        known.set(indicatorKey(row.indicator, row.indicatorType), row.count);
      } else if (row.dimension === 'firewall' && dimension === 'firewall') {
        known.set(row.firewallId, row.count);
      }
    }
    let listed = 0;
    let fromRests = new Map<string, number>();
    for (let depth = ROLLUP_TOP; ; depth *= 2) {
      const lookup = restLookup(periods, known, top);
      if (lookup === null) break;
      if (!lookup.deeper) {
        fromRests = await this.restSums(
          tx,
          dimension,
          lookup.periods.map((index) => rollups[index]!),
          lookup.keys,
          listed,
        );
        break;
      }
      const deeper = await this.repository.deeper(tx, dimension, rollups, listed, depth);
      const byPeriod = new Map(deeper.map((slice) => [periodKey(slice), slice]));
      periods = periods.map((period, index) => {
        const slice = byPeriod.get(periodKey(rollups[index]!))!;
        const next = slice.keys.map((key, i): [string, number] => [
          slice.types ? indicatorKey(key, slice.types[i]!) : key,
          slice.counts[i]!,
        ]);
        return listDeeper(period, next, slice.restMax);
      });
      listed += depth;
    }
    return pickTop(periods, known, fromRests, top).map(([key, count]): SummaryRow => {
      if (dimension === 'firewall') return { dimension, firewallId: key, count };
      const [indicator, indicatorType] = key.split(TYPE_SEPARATOR) as [string, string];
      return { dimension, indicator, indicatorType, count };
    });
  }

  private async restSums(
    tx: Tx,
    dimension: RestDimension,
    rollups: readonly RollupCounts[],
    keys: ReadonlySet<string>,
    skip: number,
  ): Promise<Map<string, number>> {
    const texts = [...new Set([...keys].map((key) => key.split(TYPE_SEPARATOR)[0]!))];
    const sums = await this.repository.rest(tx, dimension, rollups, texts, skip);
    return new Map(
      sums.map(({ key, type, count }) => [type === null ? key : indicatorKey(key, type), count]),
    );
  }
}

/** The rollups' traffic as rows of (action, dry run, source, bucket). */
function trafficRows(rollups: readonly RollupCounts[], bucketMs: number): SummaryRow[] {
  const slotMs = slotMinutesFor(bucketMs) * 60_000;
  // By bucket * KINDS + kind: a number, exact below 2^53 for any bucket start before the year 287,000.
  const counts = new Map<number, number>();
  for (const { start, slots, counts: slotCounts } of rollups) {
    slots.forEach((slot, i) => {
      const at = start.getTime() + Math.floor(slot / KINDS) * slotMs;
      const id = Math.floor(at / bucketMs) * bucketMs * KINDS + (slot % KINDS);
      counts.set(id, (counts.get(id) ?? 0) + slotCounts[i]!);
    });
  }
  return [...counts].map(([id, count]) => ({
    dimension: 'traffic',
    ...kindOf(id % KINDS),
    bucket: new Date(Math.floor(id / KINDS)),
    count,
  }));
}

function indicatorKey(indicator: string, type: string): string {
  return `${indicator}${TYPE_SEPARATOR}${type}`;
}

function floorHour(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}
