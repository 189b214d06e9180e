import { Injectable } from '@nestjs/common';
import { AppConfig } from '@threatline/config';
import { JobQueue, QUEUES } from '@threatline/messaging';
import { ReportingMetrics } from '../reporting.metrics';
import { ingestJobIdOf, type EncodedBatch } from './encoded-batch';
import { ThreatEventWriter } from './threat-event.writer';

/**
 * The entry point of event upload (the gateway calls it for each `events` message). `accept` resolves only once
 * the batch is durable, so the gateway acknowledges (`eventsAck`) after it and the agent may then forget the batch:
 *
 * - distributed mode: the batch is a job in Redis (which must persist: appendonly, see libs/messaging's README),
 *   its rows in the job's attachment; the ingest worker stores it later. While Redis is unreachable the enqueue waits for it to come back.
 * - embedded mode: the in-process queue would lose the batch with the process, so it is stored at once.
 *
 * A rejection means "not accepted": the gateway sends no ack and the agent resends the batch later.
 */
@Injectable()
export class EventIngestor {
  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobQueue,
    private readonly writer: ThreatEventWriter,
    private readonly metrics: ReportingMetrics,
  ) {}

  /**
   * Accepts a batch of events of `firewallId`, which the caller took from the authenticated connection (never from
   * the message), validated with threatEventSchema and encoded (encodeBatch, encodeEventsFrame).
   */
  async accept(firewallId: string, batch: EncodedBatch): Promise<void> {
    const receivedAt = new Date();
    const { batchId, events: encoded } = batch;
    if (this.config.redisUrl) {
      await this.jobs.enqueue(
        QUEUES.threatEventIngest,
        {
          firewallId,
          batchId,
          receivedAt: receivedAt.toISOString(),
          rowsAttached: true,
          delimiter: encoded.delimiter,
          days: encoded.days,
          hours: encoded.hours,
          count: encoded.count,
        },
        // The rows beside the job, not in its JSON: see EnqueueOptions.attachment.
        { jobId: ingestJobIdOf(firewallId, batch), attachment: encoded.rows },
      );
    } else {
      await this.writer.storeEncoded({ firewallId, batchId, receivedAt, events: encoded });
    }
    this.metrics.eventsAccepted.inc(encoded.count);
  }
}
