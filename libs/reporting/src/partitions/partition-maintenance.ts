import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock';
import { ReportingMetrics } from '../reporting.metrics';
import { addDays, DAY_MS, utcDayOf } from './partition-days';
import { PartitionRepository } from './partition.repository';

/** Partitions kept ready beyond today, so a late maintenance run never stalls ingest. */
export const PARTITIONS_AHEAD = 3;
/** The retention when no tenant exists yet (the column's default). */
export const DEFAULT_RETENTION_DAYS = 30;
/** How much deleting one run may do: rows per DELETE, and time before it stops (the next run goes on). */
export interface DeleteLimits {
  batch: number;
  budgetMs: number;
}

export const DEFAULT_DELETE_LIMITS: DeleteLimits = { batch: 5000, budgetMs: 60_000 };

export interface MaintenanceResult {
  created: Date[];
  dropped: Date[];
  deleted: number;
  /** False when the deletion budget ran out before every expired row was gone (the next run goes on). */
  complete: boolean;
}

/**
 * Creates daily partitions ahead and enforces each tenant's retention.
 *
 * Retention: one partition holds every tenant's events of its day, and tenants keep events for different numbers
 * of days. A partition is dropped whole once it is older than the LONGEST retention any tenant has (no tenant
 * needs a row in it). Inside that window, the events of tenants with a shorter retention that have expired are
 * deleted by a bounded job: DELETEs of `limits.batch` rows, per retention class (tenants grouped by their number
 * of days, which are few), for at most `limits.budgetMs` per run. Readers never show expired rows meanwhile (the
 * queries clamp to each tenant's horizon). With most tenants on the default this deletes little until someone
 * raises a retention above the rest; then the deletion is a steady trickle of one day's events per day. The
 * summary rollups and hour versions of dropped or expired events go with them.
 */
@Injectable()
export class PartitionMaintenance {
  private readonly logger = new Logger(PartitionMaintenance.name);
  /** Days known to have a partition: a cache that spares ingest a catalog query per batch. */
  private readonly known = new Set<number>();

  constructor(
    private readonly partitions: PartitionRepository,
    private readonly clock: Clock,
    private readonly metrics: ReportingMetrics,
  ) {}

  /** Makes sure the partitions of these days exist (ingest calls it for the days of each batch). */
  async ensureDays(days: readonly Date[]): Promise<void> {
    const missing = days.filter((day) => !this.known.has(day.getTime()));
    if (missing.length === 0) return;
    const created = await this.partitions.create(missing);
    for (const day of created)
      this.logger.log(`created event partition for ${day.toISOString().slice(0, 10)}`);
    for (const day of missing) this.known.add(day.getTime());
  }

  /** Today's partition and the next PARTITIONS_AHEAD days'. */
  async ensureToday(): Promise<void> {
    const today = utcDayOf(this.clock.now());
    await this.ensureDays(Array.from({ length: PARTITIONS_AHEAD + 1 }, (_, i) => addDays(today, i)));
  }

  /** One maintenance run: partitions ahead, expired partitions dropped, expired rows of shorter retentions deleted. */
  async run(limits: DeleteLimits = DEFAULT_DELETE_LIMITS): Promise<MaintenanceResult> {
    const now = this.clock.now();
    const today = utcDayOf(now);
    const ahead = Array.from({ length: PARTITIONS_AHEAD + 1 }, (_, i) => addDays(today, i));
    const created = await this.partitions.create(ahead);
    for (const day of ahead) this.known.add(day.getTime());

    const classes = await this.partitions.retentionClasses();
    const longest = classes[0]?.days ?? DEFAULT_RETENTION_DAYS;
    const horizon = now.getTime() - longest * DAY_MS;
    const dropped: Date[] = [];
    for (const day of await this.partitions.listDays()) {
      if (addDays(day, 1).getTime() > horizon) break;
      await this.partitions.drop(day);
      this.known.delete(day.getTime());
      dropped.push(day);
    }
    this.metrics.partitionsDropped.inc(dropped.length);

    const deadline = Date.now() + limits.budgetMs;
    let deleted = 0;
    let complete = true;
    for (const { days } of classes.slice(1)) {
      const before = new Date(now.getTime() - days * DAY_MS);
      await this.partitions.deleteExpiredRollups(days, before);
      for (;;) {
        const count = await this.partitions.deleteExpired(days, before, limits.batch);
        deleted += count;
        this.metrics.eventsExpired.inc(count);
        if (count < limits.batch) break;
        if (Date.now() >= deadline) {
          complete = false;
          break;
        }
      }
      if (!complete) break;
    }
    if (created.length + dropped.length > 0 || deleted > 0) {
      this.logger.log(
        `event partitions: ${created.length} created, ${dropped.length} dropped, ${deleted} expired events deleted` +
          (complete ? '' : ' (more remain for the next run)'),
      );
    }
    return { created, dropped, deleted, complete };
  }
}
