import { Injectable } from '@nestjs/common';
import { Metrics } from '@threatline/observability';
import { Counter, Gauge } from 'prom-client';

/** The gateway's Prometheus series, on the application's registry (/metrics where the API serves it). */
@Injectable()
export class GatewayMetrics {
  readonly connections: Gauge;
  readonly channels: Gauge;
  /** Deltas frames encoded by the live fan-out, and the socket writes they became. */
  readonly liveFrames: Counter;
  readonly liveSends: Counter;
  /** Snapshots read from PostgreSQL and encoded, by stream kind and why. */
  readonly snapshotReads: Counter<'kind' | 'reason'>;
  readonly upgradesRefused: Counter<'status'>;
  readonly closes: Counter<'code'>;
  /** Events batches by how they were answered, and their events. */
  readonly eventBatches: Counter<'outcome'>;
  readonly events: Counter<'outcome'>;
  readonly eventBatchesInFlight: Gauge;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.connections = new Gauge({ name: 'gateway_connections', help: 'Open agent sockets.', registers });
    this.channels = new Gauge({
      name: 'gateway_stream_channels',
      help: 'Streams this process is subscribed to for its agents.',
      registers,
    });
    this.liveFrames = new Counter({
      name: 'gateway_live_frames_total',
      help: 'Delta frames encoded once by the live fan-out.',
      registers,
    });
    this.liveSends = new Counter({
      name: 'gateway_live_sends_total',
      help: 'Socket writes of live delta frames (the same bytes to each agent).',
      registers,
    });
    this.snapshotReads = new Counter({
      name: 'gateway_snapshot_reads_total',
      help:
        'Snapshots read from PostgreSQL and encoded, by stream kind and reason: fresh (for agents holding nothing ' +
        'of the stream or another epoch, when the latest one kept is not close enough to the head), resume (the ' +
        'log answered a resume position with a snapshot), live (a rebuild or a burst too long for deltas).',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.upgradesRefused = new Counter({
      name: 'gateway_upgrades_refused_total',
      help: 'WebSocket upgrades answered with an HTTP error instead of a socket, by status.',
      labelNames: ['status'],
      registers,
    });
    this.closes = new Counter({
      name: 'gateway_closes_total',
      help: 'Agent sockets closed, by close code.',
      labelNames: ['code'],
      registers,
    });
    const outcomes =
      'accepted (durable, acked), reporting_off (acked, not stored), invalid (refused), busy (too many in flight: retry later), failed (not durable: retry later)';
    this.eventBatches = new Counter({
      name: 'gateway_event_batches_total',
      help: `Events batches from agents by outcome: ${outcomes}.`,
      labelNames: ['outcome'],
      registers,
    });
    this.events = new Counter({
      name: 'gateway_events_total',
      help: `Threat events from agents by the outcome of their batch: ${outcomes}.`,
      labelNames: ['outcome'],
      registers,
    });
    this.eventBatchesInFlight = new Gauge({
      name: 'gateway_event_batches_in_flight',
      help: 'Events batches received and not yet durable.',
      registers,
    });
  }
}
