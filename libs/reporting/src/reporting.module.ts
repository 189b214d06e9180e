import { Module } from '@nestjs/common';
import { ThreatEventExportController } from './export/threat-event-export.controller';
import { ThreatEventQueryRepository } from './query/threat-event-query.repository';
import { ThreatEventsService } from './query/threat-events.service';
import { SummaryCountsService } from './rollup/summary-counts.service';
import { ThreatEventRollupRepository } from './rollup/threat-event-rollup.repository';
import { ReportingIngestModule } from './reporting-ingest.module';
import { ThreatEventsResolver } from './threat-events.resolver';

/** Central reporting for the API: the `threatEvents` and `threatEventSummary` queries and the CSV export. */
@Module({
  imports: [ReportingIngestModule],
  providers: [
    ThreatEventQueryRepository,
    ThreatEventRollupRepository,
    SummaryCountsService,
    ThreatEventsService,
    ThreatEventsResolver,
  ],
  controllers: [ThreatEventExportController],
  exports: [ThreatEventsService],
})
export class ReportingModule {}
