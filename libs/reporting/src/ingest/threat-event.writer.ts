import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock';
import { PartitionMaintenance } from '../partitions/partition-maintenance';
import { DAY_MS } from '../partitions/partition-days';
import { DiscardReason, ReportingMetrics } from '../reporting.metrics';
import { lateHours } from '../rollup/summary-plan';
import type { ThreatEvent } from '@threatline/protocol';
import { encodeEvents, type EncodedEvents } from './encoded-events';
import { IngestTargetCache } from './ingest-target-cache';
import {
  ThreatEventStoreRepository,
  type IngestTarget,
  type InsertOutcome,
} from './threat-event-store.repository';

/** How far ahead of the service's clock an event may claim to have happened (agent clock skew). */
export const MAX_FUTURE_SKEW_MS = DAY_MS;

/** One batch an agent uploaded, as accepted: the firewall comes from the authenticated connection. */
export interface EventBatch {
  firewallId: string;
  batchId: string;
  receivedAt: Date;
  events: readonly ThreatEvent[];
}

/** The same batch with its events encoded (encodeEvents), as the ingest job carries it. */
export interface EncodedEventBatch extends Omit<EventBatch, 'events'> {
  events: EncodedEvents;
}

export interface StoreOutcome {
  stored: number;
  discarded: Partial<Record<DiscardReason, number>>;
}

/**
 * Stores accepted batches. Idempotent: storing a batch again stores nothing new, so a job that ran before its
 * worker died, or a batch the agent resent, is harmless. Only events inside the accepted window are stored:
 * not older than the tenant's retention (they would be deleted at once) and not more than MAX_FUTURE_SKEW_MS
 * ahead; within it, an event's identity (occurredAt, id) is unique across partitions because both travel
 * unchanged with every resend. A firewall's target (tenant, group, reporting setting, retention) is read at most
 * every INGEST_TARGET_TTL_MS: a change of its settings applies to the batches stored after that.
 */
@Injectable()
export class ThreatEventWriter {
  private readonly logger = new Logger(ThreatEventWriter.name);
  private readonly targets = new IngestTargetCache();

  constructor(
    private readonly repository: ThreatEventStoreRepository,
    private readonly partitions: PartitionMaintenance,
    private readonly clock: Clock,
    private readonly metrics: ReportingMetrics,
  ) {}

  store(batch: EventBatch): Promise<StoreOutcome> {
    return this.storeEncoded({ ...batch, events: encodeEvents(batch.events) });
  }

  async storeEncoded(batch: EncodedEventBatch): Promise<StoreOutcome> {
    const total = batch.events.count;
    const target = await this.targetOf(batch.firewallId);
    if (!target) {
      this.logger.warn(
        `batch ${batch.batchId}: firewall ${batch.firewallId} is unknown; ${total} events dropped`,
      );
      return this.discard({ unknown_firewall: total });
    }
    // The firewall's log settings say "no central reporting": the agent stops sending once it has the setting;
    // what it sent before it had it is not stored either.
    if (!target.centralReporting) return this.discard({ central_reporting_off: total });

    const now = this.clock.now().getTime();
    const earliest = now - target.retentionDays * DAY_MS;
    const latest = now + MAX_FUTURE_SKEW_MS;
    // Partitions for the days the window touches only: an event outside it is skipped by the INSERT.
    const days = batch.events.days
      .map((day) => new Date(`${day}T00:00:00.000Z`))
      .filter((day) => day.getTime() + DAY_MS > earliest && day.getTime() <= latest);
    const { inside, stored } =
      days.length === 0
        ? { inside: 0, stored: 0 }
        : await this.insert(batch, target, days, new Date(earliest), new Date(latest));
    // After the commit, by the real clock (rollups are cached by PostgreSQL's): late events make their hours'
    // summary rollups stale. Also when nothing was new: an earlier attempt may have stored the batch and died
    // before this.
    if (inside > 0) {
      const late = lateHours(hoursOf(batch.events), Date.now());
      if (late.length > 0) await this.repository.markHoursChanged(target.tenantId, late);
    }
    this.metrics.eventsStored.inc(stored);
    this.metrics.ingestLag.observe(Math.max(0, Date.now() - batch.receivedAt.getTime()) / 1000);
    const discarded: StoreOutcome['discarded'] = {};
    if (total > inside) discarded.outside_window = total - inside;
    if (inside > stored) discarded.duplicate = inside - stored;
    this.count(discarded);
    return { stored, discarded };
  }

  private async insert(
    batch: EncodedEventBatch,
    target: IngestTarget,
    days: Date[],
    earliest: Date,
    latest: Date,
  ): Promise<InsertOutcome> {
    await this.partitions.ensureDays(days);
    const stored = {
      firewallId: batch.firewallId,
      receivedAt: batch.receivedAt,
      target,
      rows: batch.events.rows,
      delimiter: batch.events.delimiter,
      earliest,
      latest,
    };
    // Days wholly inside the window (the common case: today's events) have every event inside it: nothing to skip.
    const wholeDays =
      days.length === batch.events.days.length &&
      days.every((day) => day >= earliest && day.getTime() + DAY_MS - 1 <= latest.getTime());
    return wholeDays ? this.repository.copy(stored) : this.repository.insert(stored);
  }

  /** The firewall's target, from the cache when it was read in the last few seconds; an unknown one is not kept. */
  private async targetOf(firewallId: string): Promise<IngestTarget | null> {
    const now = Date.now();
    const cached = this.targets.get(firewallId, now);
    if (cached !== undefined) return cached;
    const target = await this.repository.findTarget(firewallId);
    if (target) this.targets.set(firewallId, target, now);
    return target;
  }

  private discard(discarded: StoreOutcome['discarded']): StoreOutcome {
    this.count(discarded);
    return { stored: 0, discarded };
  }

  private count(discarded: StoreOutcome['discarded']): void {
    for (const [reason, count] of Object.entries(discarded))
      this.metrics.eventsDiscarded.inc({ reason }, count);
  }
}

/** The batch's UTC hours; every hour of its days for a job enqueued before hours were listed. */
function hoursOf(events: EncodedEvents): string[] {
  return (
    events.hours ??
    events.days.flatMap((day) => Array.from({ length: 24 }, (_, h) => `${day}T${String(h).padStart(2, '0')}`))
  );
}
