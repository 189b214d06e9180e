import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JobQueue, PeriodicJob, QUEUES } from '@threatline/messaging';
import { PartitionMaintenance } from '../partitions/partition-maintenance';
import { REPORTING_WORKER_OPTIONS, type ReportingWorkerOptions } from '../reporting-worker.options';
import { encodedBatchOf } from './ingest-job';
import { ThreatEventWriter } from './threat-event.writer';

/**
 * The reporting jobs of a worker process: storing event batches, and partition maintenance as a repeatable job
 * (each process enqueues the job of the current time slot, `threat-event-maintenance-<slot>`; the queue keeps one
 * job per id, so each slot runs once however many workers there are; a missed slot is covered by the next).
 */
@Injectable()
export class ThreatEventIngestProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly periodicMaintenance: PeriodicJob;

  constructor(
    private readonly jobs: JobQueue,
    private readonly writer: ThreatEventWriter,
    private readonly maintenance: PartitionMaintenance,
    @Inject(REPORTING_WORKER_OPTIONS) private readonly options: ReportingWorkerOptions,
  ) {
    this.periodicMaintenance = new PeriodicJob(
      jobs,
      QUEUES.threatEventMaintenance,
      options.maintenanceIntervalMs,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    // No DDL here: a slow catalog must not delay the start. The maintenance job enqueued below creates the
    // partitions ahead, and a batch creates its day's partition if it is missing.
    await this.jobs.process(
      QUEUES.threatEventIngest,
      async (payload, job) => {
        await this.writer.storeEncoded(encodedBatchOf(payload, job));
      },
      { concurrency: this.options.ingestConcurrency },
    );
    await this.jobs.process(QUEUES.threatEventMaintenance, () => this.runMaintenance());
    this.periodicMaintenance.start();
  }

  /**
   * One maintenance run: partitions ahead, retention, and the ingest jobs' attachments a crash or a duplicate left
   * behind in Redis.
   */
  async runMaintenance(): Promise<void> {
    await this.maintenance.run(this.options.deleteLimits);
    await this.jobs.sweepAttachments(QUEUES.threatEventIngest);
  }

  onModuleDestroy(): void {
    this.periodicMaintenance.stop();
  }
}
