import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JobQueue, PeriodicJob, QUEUES } from '@threatline/messaging';
import { REPORTING_WORKER_OPTIONS, type ReportingWorkerOptions } from '../reporting-worker.options';
import { RollupWarming } from './rollup-warming';

/**
 * Runs RollupWarming as a repeatable job (BullMQ on Redis, or the in-process queue in embedded mode): every process
 * enqueues the job of the current time slot, `threat-event-rollup-warm-<slot>`, so each slot runs once however many
 * workers there are. A run that outlasts its slot may overlap the next one on another worker: RollupWarming is
 * safe to run twice at once (each tenant-day is worked on under its tenant's lock).
 */
@Injectable()
export class RollupWarmingProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly periodic: PeriodicJob;

  constructor(
    private readonly jobs: JobQueue,
    private readonly warming: RollupWarming,
    @Inject(REPORTING_WORKER_OPTIONS) private readonly options: ReportingWorkerOptions,
  ) {
    this.periodic = new PeriodicJob(jobs, QUEUES.threatEventRollupWarm, options.warmingIntervalMs);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.process(QUEUES.threatEventRollupWarm, async () => {
      await this.warming.run(this.options.warmingLimits);
    });
    this.periodic.start();
  }

  onModuleDestroy(): void {
    this.periodic.stop();
  }
}
