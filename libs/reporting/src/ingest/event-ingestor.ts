import { Injectable } from '@nestjs/common';
import { AppConfig } from '@threatline/config';
import { JobQueue, QUEUES } from '@threatline/messaging';
import { createHash } from 'node:crypto';
import { ReportingMetrics } from '../reporting.metrics';
import type { ThreatEvent } from '@threatline/protocol';
import { encodeEvents } from './encoded-events';
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
   * the message), and validated with threatEventSchema.
   */
  async accept(firewallId: string, batchId: string, events: ThreatEvent[]): Promise<void> {
    const receivedAt = new Date();
    const encoded = encodeEvents(events);
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
        { jobId: ingestJobId(firewallId, batchId, events), attachment: encoded.rows },
      );
    } else {
      await this.writer.storeEncoded({ firewallId, batchId, receivedAt, events: encoded });
    }
    this.metrics.eventsAccepted.inc(events.length);
  }
}

/**
 * A resent batch gets the job id of its first copy, so a batch still queued or recently stored is not queued again.
 * The event ids are part of it: an agent that reused a batch id for other events still has them stored.
 */
export function ingestJobId(firewallId: string, batchId: string, events: readonly ThreatEvent[]): string {
  // One update with every id: the same digest as an update per id, at half the cost (1000 ids a batch).
  let ids = '';
  for (const event of events) ids += `\n${event.id}`;
  const hash = createHash('sha256').update(batchId).update(ids);
  return `events-${firewallId}-${hash.digest('hex').slice(0, 32)}`;
}
