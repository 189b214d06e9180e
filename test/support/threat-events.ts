import { randomUUID } from 'node:crypto';
import type { TestApi } from '@threatline/http/testing';
import type { ThreatEvent } from '@threatline/protocol';
import { ThreatEventWriter } from '@threatline/reporting';

export { makeThreatEvent } from '@threatline/reporting/testing';

/** Stores events of a firewall through the ingest writer, as the worker would. */
export async function storeThreatEvents(
  api: TestApi,
  firewallId: string,
  events: ThreatEvent[],
): Promise<void> {
  const writer = api.app.get(ThreatEventWriter, { strict: false });
  for (let i = 0; i < events.length; i += 1000) {
    await writer.store({
      firewallId,
      batchId: randomUUID(),
      receivedAt: new Date(),
      events: events.slice(i, i + 1000),
    });
  }
}
