import { Module } from '@nestjs/common';
import { Clock, CLOCK_OVERRIDE, SystemClock } from './clock';
import { EventIngestor } from './ingest/event-ingestor';
import { ThreatEventStoreRepository } from './ingest/threat-event-store.repository';
import { ThreatEventWriter } from './ingest/threat-event.writer';
import { PartitionMaintenance } from './partitions/partition-maintenance';
import { PartitionRepository } from './partitions/partition.repository';
import { ReportingMetrics } from './reporting.metrics';

/**
 * Event ingest: `EventIngestor` for the process that receives agent batches (the gateway), and what storing them
 * needs. Needs ConfigModule, ObservabilityModule, DbModule and MessagingModule.
 */
@Module({
  providers: [
    {
      provide: Clock,
      inject: [{ token: CLOCK_OVERRIDE, optional: true }],
      useFactory: (override: Clock | undefined) => override ?? new SystemClock(),
    },
    ReportingMetrics,
    PartitionRepository,
    PartitionMaintenance,
    ThreatEventStoreRepository,
    ThreatEventWriter,
    EventIngestor,
  ],
  exports: [EventIngestor, ThreatEventWriter, PartitionMaintenance, Clock, ReportingMetrics],
})
export class ReportingIngestModule {}
