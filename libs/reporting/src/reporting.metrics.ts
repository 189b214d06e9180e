import { Injectable } from '@nestjs/common';
import { Metrics } from '@threatline/observability';
import { Counter, Histogram } from 'prom-client';

/** Why events of an acknowledged batch were not stored. */
export type DiscardReason = 'duplicate' | 'central_reporting_off' | 'unknown_firewall' | 'outside_window';

/** Central reporting's Prometheus metrics, on the application's registry. */
@Injectable()
export class ReportingMetrics {
  readonly eventsAccepted: Counter;
  readonly eventsStored: Counter;
  readonly eventsDiscarded: Counter<'reason'>;
  readonly ingestLag: Histogram;
  readonly partitionsDropped: Counter;
  readonly eventsExpired: Counter;
  readonly rollupsComputed: Counter<'by'>;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.eventsAccepted = new Counter({
      name: 'threatline_events_accepted_total',
      help: 'Threat events accepted from agents (durable, acknowledged).',
      registers,
    });
    this.eventsStored = new Counter({
      name: 'threatline_events_stored_total',
      help: 'Threat events stored (each event once).',
      registers,
    });
    this.eventsDiscarded = new Counter({
      name: 'threatline_events_discarded_total',
      help: 'Accepted threat events not stored, by reason (duplicate, central_reporting_off, unknown_firewall, outside_window).',
      labelNames: ['reason'] as const,
      registers,
    });
    this.ingestLag = new Histogram({
      name: 'threatline_events_ingest_lag_seconds',
      help: 'From the acceptance of a batch to its storage.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.partitionsDropped = new Counter({
      name: 'threatline_event_partitions_dropped_total',
      help: 'Daily event partitions dropped by retention.',
      registers,
    });
    this.eventsExpired = new Counter({
      name: 'threatline_events_expired_total',
      help: 'Events deleted by a tenant retention shorter than the longest one.',
      registers,
    });
    this.rollupsComputed = new Counter({
      name: 'threatline_summary_rollups_computed_total',
      help: 'Summary rollups computed, by who computed them (warming: the job, ahead of use; summary: a summary that found one missing or stale, and waited for it).',
      labelNames: ['by'] as const,
      registers,
    });
  }
}
