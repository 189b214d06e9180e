import type { JobContext, ThreatEventIngestPayload } from '@threatline/messaging';
import type { ThreatEvent } from '@threatline/protocol';
import { encodeEvents } from './encoded-events';
import type { EncodedEventBatch } from './threat-event.writer';

/** The batch of an ingest job, in whichever form it was enqueued (ThreatEventIngestPayload). */
export function encodedBatchOf(payload: ThreatEventIngestPayload, job: JobContext): EncodedEventBatch {
  const { firewallId, batchId } = payload;
  const receivedAt = new Date(payload.receivedAt);
  if ('rowsAttached' in payload) {
    const { attachment } = job;
    // Acknowledged to its agent, so never taken as empty: the job fails, loudly, and stays in the failed set.
    if (!attachment)
      throw new Error(`batch ${batchId} of firewall ${firewallId}: its rows are missing from Redis`);
    const { delimiter, days, hours, count } = payload;
    return { firewallId, batchId, receivedAt, events: { rows: attachment, delimiter, days, hours, count } };
  }
  if ('rows' in payload) {
    // Rows inline: enqueued before the attachment; a tab, COPY's default, and one string in the oldest of them.
    const { rows, delimiter = '\t', days, hours, count } = payload;
    const pieces = typeof rows === 'string' ? [rows] : rows;
    return { firewallId, batchId, receivedAt, events: { rows: pieces, delimiter, days, hours, count } };
  }
  // Validated against threatEventSchema by the gateway before it was enqueued.
  return { firewallId, batchId, receivedAt, events: encodeEvents(payload.events as ThreatEvent[]) };
}
