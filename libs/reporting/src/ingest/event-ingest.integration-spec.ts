import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvents } from './encoded-events';
import { encodeBatch, ingestJobId, ingestJobIdOf } from './encoded-batch';
import { EventIngestor } from './event-ingestor';
import { ThreatEventIngestProcessor } from './threat-event-ingest.processor';
import { ThreatEventWriter } from './threat-event.writer';
import { ReportingWorkerModule } from '../reporting-worker.module';
import { ReportingIngestModule } from '../reporting-ingest.module';
import { createReportingContext, type ReportingContext } from '../testing/reporting-context';
import {
  makeReportingTenant,
  makeThreatEvent,
  makeThreatEvents,
  storedCounts,
} from '../testing/threat-events';
import { randomUUID } from 'node:crypto';
import { JobQueue, QUEUES, type ThreatEventIngestPayload } from '@threatline/messaging';
import { redisKeyExists } from '@threatline/messaging/testing';
import type { ThreatEvent } from '@threatline/protocol';

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('event ingest through BullMQ (distributed mode)', () => {
  let context: ReportingContext;
  let ingestor: EventIngestor;

  beforeAll(async () => {
    context = await createReportingContext({ imports: [ReportingWorkerModule.forRoot()] });
    ingestor = context.app.get(EventIngestor);
  });
  afterAll(() => context?.close());

  it('stores each event of a batch sent twice once', async () => {
    const { firewallId } = await makeReportingTenant(context.prisma);
    const events = makeThreatEvents(500);
    const batchId = randomUUID();
    await ingestor.accept(firewallId, encodeBatch(batchId, events));
    await ingestor.accept(firewallId, encodeBatch(batchId, events));
    // The same events again under another batch id, with new ones: only the new ones are added.
    const more = makeThreatEvents(10);
    await ingestor.accept(firewallId, encodeBatch(randomUUID(), [...events.slice(0, 100), ...more]));
    const ids = [...events, ...more].map((event) => event.id);
    await waitUntil(
      async () => [...(await storedCounts(context.prisma, ids)).values()].every((n) => n > 0),
      'stored',
    );
    expect(new Set((await storedCounts(context.prisma, ids)).values())).toEqual(new Set([1]));
  });

  it('stores events sent in two batches at once exactly once', async () => {
    const { firewallId } = await makeReportingTenant(context.prisma);
    const events = makeThreatEvents(300);
    await Promise.all([
      ingestor.accept(firewallId, encodeBatch(randomUUID(), events)),
      ingestor.accept(firewallId, encodeBatch(randomUUID(), [...events].reverse())),
    ]);
    const ids = events.map((event) => event.id);
    await waitUntil(
      async () => [...(await storedCounts(context.prisma, ids)).values()].every((n) => n > 0),
      'stored',
    );
    expect(new Set((await storedCounts(context.prisma, ids)).values())).toEqual(new Set([1]));
  });

  it('stores the firewall, its tenant and group with each event, and the dry run as sent', async () => {
    const target = await makeReportingTenant(context.prisma);
    const event = makeThreatEvent({ action: 'log', dryRun: true, endpoint: undefined });
    await ingestor.accept(target.firewallId, encodeBatch(randomUUID(), [event]));
    await waitUntil(
      async () => (await storedCounts(context.prisma, [event.id])).get(event.id) === 1,
      'stored',
    );
    const row = await context.prisma.threatEvent.findFirstOrThrow({ where: { id: event.id } });
    expect(row).toMatchObject({
      tenantId: target.tenantId,
      firewallId: target.firewallId,
      groupId: target.groupId,
      occurredAt: new Date(event.occurredAt),
      action: 'log',
      dryRun: true,
      endpointHost: null,
    });
  });

  it('stores the text fields, the endpoint and an occurredAt with an offset as sent', async () => {
    const { firewallId } = await makeReportingTenant(context.prisma);
    const at = new Date(Date.now() - 3_600_000);
    // The same instant at +02:00, with a fourth digit of fraction that the millisecond column drops.
    const local = new Date(at.getTime() + 7_200_000).toISOString().slice(0, 23);
    const event = makeThreatEvent({
      occurredAt: `${local}9+02:00`,
      domain: 'ex\\ample.test',
      url: 'https://example.test/"quoted"/\u00e9\u{1f600}?a=1|2&b=\\u0041\\|',
      endpoint: { host: 'h"o|st', user: 'us\\er', process: 'c:\\bin\\p.exe' },
    });
    await ingestor.accept(firewallId, encodeBatch(randomUUID(), [event]));
    await waitUntil(
      async () => (await storedCounts(context.prisma, [event.id])).get(event.id) === 1,
      'stored',
    );
    const row = await context.prisma.threatEvent.findFirstOrThrow({ where: { id: event.id } });
    expect(row).toMatchObject({
      occurredAt: at,
      domain: event.domain,
      url: event.url,
      endpointHost: 'h"o|st',
      endpointUser: event.endpoint!.user,
      endpointProcess: event.endpoint!.process,
    });
  });

  it('sweeps, in the maintenance run, the attachment a late resend of a stored batch leaves behind', async () => {
    const { firewallId } = await makeReportingTenant(context.prisma);
    const events = makeThreatEvents(5);
    const batch = encodeBatch(randomUUID(), events);
    const key = `${context.queuePrefix}:${QUEUES.threatEventIngest.name}:attachment:${ingestJobIdOf(firewallId, batch)}`;
    await ingestor.accept(firewallId, batch);
    const ids = events.map((event) => event.id);
    await waitUntil(
      async () =>
        [...(await storedCounts(context.prisma, ids)).values()].every((n) => n === 1) &&
        !(await redisKeyExists(key)),
      'stored, its attachment deleted',
    );
    // The job is among the completed ones: the resend adds no job, but writes the attachment again.
    await ingestor.accept(firewallId, batch);
    expect(await redisKeyExists(key)).toBe(true);
    await context.app.get(ThreatEventIngestProcessor).runMaintenance();
    expect(await redisKeyExists(key)).toBe(false);
    expect(new Set((await storedCounts(context.prisma, ids)).values())).toEqual(new Set([1]));
  });

  /**
   * Enqueues a job of an older form, as an upgrade finds acknowledged batches waiting in Redis (`rest`: the payload
   * after firewall, batch id and time of receipt), and expects each event stored once, its text as sent.
   */
  async function expectOlderJobStored(
    rest: (events: ThreatEvent[]) => Record<string, unknown>,
  ): Promise<void> {
    const { firewallId } = await makeReportingTenant(context.prisma);
    const events = makeThreatEvents(20);
    events[0] = { ...events[0]!, url: 'https://example.test/a|b\\c' };
    const batchId = randomUUID();
    const payload = { firewallId, batchId, receivedAt: new Date().toISOString(), ...rest(events) };
    await context.app.get(JobQueue).enqueue(QUEUES.threatEventIngest, payload as ThreatEventIngestPayload, {
      jobId: ingestJobId(firewallId, batchId, events),
    });
    const ids = events.map((event) => event.id);
    await waitUntil(
      async () => [...(await storedCounts(context.prisma, ids)).values()].every((n) => n === 1),
      'stored',
    );
    const row = await context.prisma.threatEvent.findFirstOrThrow({ where: { id: events[0].id } });
    expect(row.url).toBe(events[0].url);
  }

  it('stores a job enqueued before the events travelled encoded (events as objects)', async () => {
    await expectOlderJobStored((events) => ({ events }));
  });

  it('stores a job enqueued before the rows named their delimiter (tab-separated rows)', async () => {
    await expectOlderJobStored((events) => {
      const { rows, days, count } = encodeEvents(events);
      // The rows as they were encoded then: one string, tab-separated, only backslashes escaped.
      const tabbed = rows
        .join('')
        .replaceAll(/(?<!\\)\|/g, '\t')
        .replaceAll('\\|', '|');
      return { rows: tabbed, days, count };
    });
  });

  it('stores a job enqueued before the rows went into its attachment (rows inline in the job)', async () => {
    await expectOlderJobStored((events) => {
      const { rows, delimiter, days, hours, count } = encodeEvents(events, 500);
      return { rows, delimiter, days, hours, count };
    });
  });

  it('stores the new events of a batch that holds some already stored, and counts the others', async () => {
    const { firewallId } = await makeReportingTenant(context.prisma);
    const writer = context.app.get(ThreatEventWriter);
    const stored = makeThreatEvents(3);
    const batch = { firewallId, batchId: randomUUID(), receivedAt: new Date() };
    expect(await writer.store({ ...batch, events: stored })).toEqual({ stored: 3, discarded: {} });
    const fresh = makeThreatEvents(2);
    expect(await writer.store({ ...batch, events: [...fresh, ...stored] })).toEqual({
      stored: 2,
      discarded: { duplicate: 3 },
    });
    const counts = await storedCounts(
      context.prisma,
      [...stored, ...fresh].map((event) => event.id),
    );
    expect(new Set(counts.values())).toEqual(new Set([1]));
  });

  it('does not store the events of a firewall whose central reporting is off', async () => {
    const off = await makeReportingTenant(context.prisma, { centralReporting: false });
    const events = makeThreatEvents(5);
    const outcome = await context.app.get(ThreatEventWriter).store({
      firewallId: off.firewallId,
      batchId: randomUUID(),
      receivedAt: new Date(),
      events,
    });
    expect(outcome).toEqual({ stored: 0, discarded: { central_reporting_off: 5 } });
    expect(await context.prisma.threatEvent.count({ where: { firewallId: off.firewallId } })).toBe(0);
  });

  it('stores only events inside the accepted window: not past the retention, at most a day ahead', async () => {
    const { firewallId } = await makeReportingTenant(context.prisma, { retentionDays: 7 });
    const now = Date.now();
    const inside = makeThreatEvent({ occurredAt: new Date(now - 6 * 86_400_000).toISOString() });
    const expired = makeThreatEvent({ occurredAt: new Date(now - 8 * 86_400_000).toISOString() });
    const future = makeThreatEvent({ occurredAt: new Date(now + 2 * 86_400_000).toISOString() });
    const skewed = makeThreatEvent({ occurredAt: new Date(now + 3_600_000).toISOString() });
    const marker = makeThreatEvent();
    await ingestor.accept(firewallId, encodeBatch(randomUUID(), [inside, expired, future, skewed, marker]));
    await waitUntil(
      async () => (await storedCounts(context.prisma, [marker.id])).get(marker.id) === 1,
      'stored',
    );
    const counts = await storedCounts(context.prisma, [inside.id, expired.id, future.id, skewed.id]);
    expect(Object.fromEntries(counts)).toEqual({
      [inside.id]: 1,
      [expired.id]: 0,
      [future.id]: 0,
      [skewed.id]: 1,
    });
  });
});

describe('event ingest in embedded mode (PGlite, in-process queue)', () => {
  let context: ReportingContext;

  beforeAll(async () => {
    context = await createReportingContext({
      imports: [ReportingIngestModule],
      redisUrl: null,
      pglite: true,
    });
  });
  afterAll(() => context?.close());

  it('has stored the batch when accept resolves, each event once however often it is sent', async () => {
    const { firewallId } = await makeReportingTenant(context.prisma);
    const events = makeThreatEvents(50);
    const ingestor = context.app.get(EventIngestor);
    await ingestor.accept(firewallId, encodeBatch(randomUUID(), events));
    await ingestor.accept(firewallId, encodeBatch(randomUUID(), events.slice(10)));
    const counts = await storedCounts(
      context.prisma,
      events.map((event) => event.id),
    );
    expect(new Set(counts.values())).toEqual(new Set([1]));
  });
});
