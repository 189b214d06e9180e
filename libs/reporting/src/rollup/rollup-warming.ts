import { Injectable, Logger } from '@nestjs/common';
import { Prisma, PrismaService } from '@threatline/db';
import { Clock } from '../clock';
import { DAY_MS } from '../partitions/partition-days';
import { staleRollups } from './rollup-freshness';
import { RollupRefresh } from './rollup-refresh';
import { RollupWarmingRepository } from './rollup-warming.repository';
import { HOUR_MS } from './summary-plan';
import { ReportingMetrics } from '../reporting.metrics';
import { ThreatEventRollupRepository } from './threat-event-rollup.repository';
import { planWarming, type WarmingDay } from './warming-plan';

/** How much one warming run may do; the next run goes on where it stopped (newest first again). */
export interface WarmingLimits {
  /** Hour rollups computed from the events, at most (days are summed from their hours, at little cost). */
  hoursPerRun: number;
  /** Time after which the run starts no further tenant-day. */
  budgetMs: number;
}

/** A day of the largest bench tenant (53k events) takes about 0.3 s; a run is a few minutes of work at most. */
export const DEFAULT_WARMING_LIMITS: WarmingLimits = { hoursPerRun: 5000, budgetMs: 120_000 };

export interface WarmingResult {
  /** Hour rollups computed from the events. */
  hours: number;
  /** Day rollups summed from their hours. */
  days: number;
  /** Tenant-days left because another transaction held the tenant's rollup lock (a summary, another run). */
  skipped: number;
  /** False when a limit stopped the run or a tenant-day was skipped: stale rollups may remain. */
  complete: boolean;
}

/** Tenants whose rollup state one listing query reads. */
const LISTING_CHUNK = 100;

/**
 * Keeps the summary rollups fresh ahead of summaries, so that the first summary a user asks for reads them as later
 * ones do. A run lists the tenants with events in their cacheable window (planWarming: the hours a summary may cache,
 * from the retention horizon plus its margin to the last settled hour) and the UTC days whose hour or day rollups are
 * missing or stale, then works through them newest first, one transaction per tenant-day: the day's stale hours from
 * the events, then the day summed from its 24 fresh hours. Bounded by WarmingLimits.
 *
 * Concurrency: each tenant-day runs only if its tenant's rollup lock is free (skipped otherwise: another run or a
 * computing summary has it; a summary that wants it waits for the tenant-day to commit), in a READ COMMITTED
 * transaction, and computes through RollupRefresh like a summary: the version check, then an upsert of the same
 * row a summary would write (each rollup computed in one statement: counts and version of one snapshot).
 */
@Injectable()
export class RollupWarming {
  private readonly logger = new Logger(RollupWarming.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly warming: RollupWarmingRepository,
    private readonly rollups: ThreatEventRollupRepository,
    private readonly refresh: RollupRefresh,
    private readonly clock: Clock,
    private readonly metrics: ReportingMetrics,
  ) {}

  async run(limits: WarmingLimits = DEFAULT_WARMING_LIMITS): Promise<WarmingResult> {
    const deadline = Date.now() + limits.budgetMs;
    const result: WarmingResult = { hours: 0, days: 0, skipped: 0, complete: true };
    for (const day of await this.staleDays()) {
      // The first tenant-day always runs, so that any budget makes progress.
      const started = result.hours + result.days + result.skipped > 0;
      if (result.hours >= limits.hoursPerRun || (started && Date.now() >= deadline)) {
        result.complete = false;
        break;
      }
      const done = await this.rollups.committed((tx) =>
        this.warmDay(tx, day, limits.hoursPerRun - result.hours),
      );
      if (done === null) {
        result.skipped++;
        result.complete = false;
        continue;
      }
      result.hours += done.hours;
      result.days += done.days;
      this.metrics.rollupsComputed.inc({ by: 'warming' }, done.hours + done.days);
      if (!done.whole) result.complete = false;
    }
    if (result.hours + result.days > 0 || !result.complete) {
      this.logger.log(
        `summary rollups warmed: ${result.hours} hours, ${result.days} days` +
          (result.skipped > 0 ? `, ${result.skipped} tenant-days busy` : '') +
          (result.complete ? '' : ' (more remain for the next run)'),
      );
    }
    return result;
  }

  /** The tenant-days with a missing or stale rollup, newest first (tenants in id order within a day). */
  private async staleDays(): Promise<WarmingDay[]> {
    const now = this.clock.now().getTime();
    const databaseNow = await this.warming.databaseNow();
    const plans = (await this.warming.tenantRetentions())
      .map(({ tenantId, retentionDays }) =>
        planWarming({ tenantId, horizon: new Date(now - retentionDays * DAY_MS) }, databaseNow),
      )
      .filter((days) => days.length > 0);
    const windowOf = (days: WarmingDay[]) => ({
      tenantId: days[0]!.tenantId,
      from: days[days.length - 1]!.hours.at(-1)!.start,
      to: new Date(days[0]!.hours[0]!.start.getTime() + HOUR_MS),
    });
    const active = await this.warming.withEvents(plans.map(windowOf));
    const withEvents = plans.filter((days) => active.has(days[0]!.tenantId));
    const stale: WarmingDay[] = [];
    for (let i = 0; i < withEvents.length; i += LISTING_CHUNK) {
      const chunk = withEvents.slice(i, i + LISTING_CHUNK);
      const windows = chunk.map(windowOf);
      const state = await this.rollups.state(
        this.prisma,
        windows.map((window) => window.tenantId),
        new Date(Math.min(...windows.map((window) => window.from.getTime()))),
        new Date(Math.max(...windows.map((window) => window.to.getTime()))),
      );
      for (const day of chunk.flat()) {
        if (staleRollups(state, day.day ? [...day.hours, day.day] : day.hours).length > 0) stale.push(day);
      }
    }
    return stale.sort(
      (a, b) =>
        b.start.getTime() - a.start.getTime() ||
        (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0),
    );
  }

  /**
   * One tenant-day in the transaction `tx`: at most `room` of its stale hours (newest first), then its day summed
   * from the hours once they are all fresh. Null when the tenant's rollup lock is taken.
   */
  private async warmDay(
    tx: Prisma.TransactionClient,
    day: WarmingDay,
    room: number,
  ): Promise<{ hours: number; days: number; whole: boolean } | null> {
    if (!(await this.rollups.tryLockTenant(tx, day.tenantId))) return null;
    const state = await this.rollups.state(
      tx,
      [day.tenantId],
      day.start,
      new Date(day.start.getTime() + DAY_MS),
    );
    const staleHours = staleRollups(state, day.hours).length;
    const hours = await this.refresh.refresh(tx, state, day.hours, { limit: room });
    if (hours.length < staleHours) return { hours: hours.length, days: 0, whole: false };
    // Every hour of the day is fresh now, and no other transaction computes this tenant's rollups while the lock is
    // held: the day's version check still holds as read.
    const days = day.day ? await this.refresh.refresh(tx, state, [day.day], { source: 'hours' }) : [];
    return { hours: hours.length, days: days.length, whole: true };
  }
}
