import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JobQueue, PeriodicJob, QUEUES, type ThreatEventIngestPayload } from '@threatline/messaging';
import { PartitionMaintenance } from '../partitions/partition-maintenance';
import { REPORTING_WORKER_OPTIONS, type ReportingWorkerOptions } from '../reporting-worker.options';
import type { ThreatEvent } from '@threatline/protocol';
import { encodeEvents } from './encoded-events';
import { ThreatEventWriter, type EncodedEventBatch } from './threat-event.writer';

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
      async (payload) => {
        await this.writer.storeEncoded(encodedBatchOf(payload));
      },
      { concurrency: this.options.ingestConcurrency },
    );
    await this.jobs.process(QUEUES.threatEventMaintenance, async () => {
      await this.maintenance.run(this.options.deleteLimits);
    });
    this.periodicMaintenance.start();
  }

  onModuleDestroy(): void {
    this.periodicMaintenance.stop();
  }
}

/** The batch of a job; a job enqueued before the events travelled encoded carries them as objects. */
function encodedBatchOf(payload: ThreatEventIngestPayload): EncodedEventBatch {
  const { firewallId, batchId } = payload;
  const receivedAt = new Date(payload.receivedAt);
  if ('rows' in payload) {
    // A tab, COPY's default, in jobs enqueued before the delimiter was named; one string before the rows came in
    // pieces.
    const { rows, delimiter = '\t', days, hours, count } = payload;
    const pieces = typeof rows === 'string' ? [rows] : rows;
    return { firewallId, batchId, receivedAt, events: { rows: pieces, delimiter, days, hours, count } };
  }
  // Validated against threatEventSchema by the gateway before it was enqueued.
  return { firewallId, batchId, receivedAt, events: encodeEvents(payload.events as ThreatEvent[]) };
}
