export * from './clock';
export * from './reporting.module';
export * from './reporting-ingest.module';
export * from './reporting-worker.module';
export * from './reporting-worker.options';
export { EventIngestor } from './ingest/event-ingestor';
export { encodeBatch, type EncodedBatch } from './ingest/encoded-batch';
export { encodeEventsFrame } from './ingest/events-frame-rows';
export { ThreatEventWriter, type EventBatch, type StoreOutcome } from './ingest/threat-event.writer';
export { PartitionMaintenance, type MaintenanceResult } from './partitions/partition-maintenance';
export { ThreatEventsService } from './query/threat-events.service';
export {
  RollupWarming,
  DEFAULT_WARMING_LIMITS,
  type WarmingLimits,
  type WarmingResult,
} from './rollup/rollup-warming';
export type { ThreatEventFilter } from './query/event-query';
export * from './models/enums';
export * from './models/threat-event.model';
export * from './models/threat-event-summary.model';
