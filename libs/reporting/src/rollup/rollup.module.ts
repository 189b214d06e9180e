import { Module } from '@nestjs/common';
import { ReportingIngestModule } from '../reporting-ingest.module';
import { RollupRefresh } from './rollup-refresh';
import { RollupWarming } from './rollup-warming';
import { RollupWarmingRepository } from './rollup-warming.repository';
import { ThreatEventRollupRepository } from './threat-event-rollup.repository';

/** The summary rollups: their storage, the one way they are computed, and the job that computes them ahead. */
@Module({
  imports: [ReportingIngestModule],
  providers: [ThreatEventRollupRepository, RollupRefresh, RollupWarmingRepository, RollupWarming],
  exports: [ThreatEventRollupRepository, RollupRefresh, RollupWarming],
})
export class RollupModule {}
