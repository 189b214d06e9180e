import { randomUUID } from 'node:crypto';
import type { TestApi } from '@threatline/http/testing';
import { ThreatEventWriter, type ThreatEvent } from '@threatline/reporting';

/** A valid threat event (an MDR drop of a destination IP with its endpoint), overridable where a test cares. */
export function makeThreatEvent(overrides: Partial<ThreatEvent> = {}): ThreatEvent {
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    auditId: 'MDR-20261123-K7F3Q9XA',
    source: 'MDR',
    module: 'firewall',
    action: 'drop',
    dryRun: false,
    moduleAction: 'LOG_AND_DROP',
    direction: 'outbound',
    field: 'dstIp',
    indicator: '203.0.113.7',
    indicatorType: 'ipv4',
    srcIp: '10.0.0.5',
    dstIp: '203.0.113.7',
    endpoint: { host: 'laptop-17', user: 'alice', process: 'C:\\Windows\\curl.exe' },
    ...overrides,
  };
}

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
