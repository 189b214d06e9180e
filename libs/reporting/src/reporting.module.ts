import { Module } from '@nestjs/common';
import { ThreatEventExportController } from './export/threat-event-export.controller';
import { ThreatEventQueryRepository } from './query/threat-event-query.repository';
import { ThreatEventsService } from './query/threat-events.service';
import { RollupModule } from './rollup/rollup.module';
import { SummaryCountsService } from './rollup/summary-counts.service';
import { ReportingIngestModule } from './reporting-ingest.module';
import { ThreatEventsResolver } from './threat-events.resolver';

/** Central reporting for the API: the `threatEvents` and `threatEventSummary` queries and the CSV export. */
@Module({
  imports: [ReportingIngestModule, RollupModule],
  providers: [ThreatEventQueryRepository, SummaryCountsService, ThreatEventsService, ThreatEventsResolver],
  controllers: [ThreatEventExportController],
  exports: [ThreatEventsService],
})
export class ReportingModule {}
