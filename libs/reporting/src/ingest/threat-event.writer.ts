import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock';
import { PartitionMaintenance } from '../partitions/partition-maintenance';
import { DAY_MS, utcDayOf } from '../partitions/partition-days';
import { DiscardReason, ReportingMetrics } from '../reporting.metrics';
import type { ThreatEvent } from '@threatline/protocol';
import { ThreatEventStoreRepository } from './threat-event-store.repository';

/** How far ahead of the service's clock an event may claim to have happened (agent clock skew). */
export const MAX_FUTURE_SKEW_MS = DAY_MS;

/** One batch an agent uploaded, as accepted: the firewall comes from the authenticated connection. */
export interface EventBatch {
  firewallId: string;
  batchId: string;
  receivedAt: Date;
  events: readonly ThreatEvent[];
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
 * unchanged with every resend.
 */
@Injectable()
export class ThreatEventWriter {
  private readonly logger = new Logger(ThreatEventWriter.name);

  constructor(
    private readonly repository: ThreatEventStoreRepository,
    private readonly partitions: PartitionMaintenance,
    private readonly clock: Clock,
    private readonly metrics: ReportingMetrics,
  ) {}

  async store(batch: EventBatch): Promise<StoreOutcome> {
    const total = batch.events.length;
    const target = await this.repository.findTarget(batch.firewallId);
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
    const events: ThreatEvent[] = [];
    const days = new Map<number, Date>();
    for (const event of batch.events) {
      // Milliseconds, as the column keeps them: the same instant on both sides, so the partition chosen here is
      // the one PostgreSQL routes the row to.
      const at = new Date(event.occurredAt);
      if (at.getTime() < earliest || at.getTime() > latest) continue;
      const day = utcDayOf(at);
      days.set(day.getTime(), day);
      events.push({ ...event, occurredAt: at.toISOString() });
    }
    if (events.length > 0) await this.partitions.ensureDays([...days.values()]);
    const stored =
      events.length === 0
        ? 0
        : await this.repository.insert({
            firewallId: batch.firewallId,
            receivedAt: batch.receivedAt,
            target,
            events,
          });
    this.metrics.eventsStored.inc(stored);
    this.metrics.ingestLag.observe(Math.max(0, Date.now() - batch.receivedAt.getTime()) / 1000);
    const discarded: StoreOutcome['discarded'] = {};
    if (total > events.length) discarded.outside_window = total - events.length;
    if (events.length > stored) discarded.duplicate = events.length - stored;
    this.count(discarded);
    return { stored, discarded };
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
