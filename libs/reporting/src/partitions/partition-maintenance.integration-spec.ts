import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreatEventWriter } from '../ingest/threat-event.writer';
import { ReportingIngestModule } from '../reporting-ingest.module';
import { createReportingContext, ManualClock, type ReportingContext } from '../testing/reporting-context';
import { makeReportingTenant, makeThreatEvent } from '../testing/threat-events';
import { addDays, DAY_MS, partitionNameOf } from './partition-days';
import { PartitionMaintenance, PARTITIONS_AHEAD } from './partition-maintenance';
import { PartitionRepository } from './partition.repository';

const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`);
const names = (days: Date[]) => days.map(partitionNameOf);

describe('event partitions and retention, on a clock the test moves', () => {
  const clock = new ManualClock(new Date('2026-11-23T10:00:00Z'));
  let context: ReportingContext;
  let maintenance: PartitionMaintenance;
  let partitions: PartitionRepository;
  let writer: ThreatEventWriter;

  async function store(firewallId: string, occurredAt: Date) {
    const event = makeThreatEvent({ occurredAt: occurredAt.toISOString() });
    await writer.store({ firewallId, batchId: randomUUID(), receivedAt: clock.now(), events: [event] });
    return event.id;
  }

  async function tenantEventCount(tenantId: string): Promise<number> {
    return context.prisma.threatEvent.count({ where: { tenantId } });
  }

  beforeAll(async () => {
    context = await createReportingContext({ imports: [ReportingIngestModule], redisUrl: null, clock });
    maintenance = context.app.get(PartitionMaintenance);
    partitions = context.app.get(PartitionRepository);
    writer = context.app.get(ThreatEventWriter);
  });
  afterAll(() => context?.close());

  it(`creates today's partition and ${PARTITIONS_AHEAD} days ahead, then one more each day`, async () => {
    const first = await maintenance.run();
    expect(names(first.created)).toEqual([
      'threat_event_p20261123',
      'threat_event_p20261124',
      'threat_event_p20261125',
      'threat_event_p20261126',
    ]);
    expect((await maintenance.run()).created).toEqual([]);
    clock.set(new Date('2026-11-24T00:00:01Z'));
    expect(names((await maintenance.run()).created)).toEqual(['threat_event_p20261127']);
    // Every partition samples audit_id as the parent says (a new partition does not take the parent's target).
    const targets = await context.prisma.$queryRaw<{ partition: string; target: number }[]>`
      SELECT c.relname AS partition, a.attstattarget::int AS target
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'audit_id'
      WHERE i.inhparent = 'threat_event'::regclass ORDER BY c.relname`;
    expect(targets.map((row) => row.target)).toEqual(targets.map(() => 1000));
    expect(targets.map((row) => row.partition)).toContain('threat_event_p20261127');
  });

  it('creates the partition of a past day when an event arrives for it', async () => {
    const tenant = await makeReportingTenant(context.prisma);
    const id = await store(tenant.firewallId, new Date('2026-11-20T23:59:59.999Z'));
    expect(names(await partitions.listDays())).toContain('threat_event_p20261120');
    expect(await context.prisma.threatEvent.count({ where: { id } })).toBe(1);
  });

  it('lets concurrent creators of one partition all succeed', async () => {
    const days = [day('2026-11-10'), day('2026-11-11')];
    const created = await Promise.all([
      partitions.create(days),
      partitions.create(days),
      partitions.create(days),
    ]);
    expect(created.flat().map((d) => d.getTime())).toEqual(days.map((d) => d.getTime()));
  });

  it('drops partitions past the longest retention and deletes expired rows of shorter retentions', async () => {
    // Fresh start at a fixed instant: the tenants of the earlier tests are gone.
    await context.prisma.tenant.deleteMany({});
    clock.set(new Date('2026-12-01T12:00:00Z'));
    const long = await makeReportingTenant(context.prisma, { retentionDays: 10 });
    const short = await makeReportingTenant(context.prisma, { retentionDays: 3 });
    const start = clock.now();
    // One event per tenant per day over the last 9 days (all inside the long retention, so all stored).
    for (let ago = 0; ago < 9; ago++) {
      const at = new Date(start.getTime() - ago * DAY_MS);
      await store(long.firewallId, at);
      await store(short.firewallId, at);
    }
    expect(await tenantEventCount(long.tenantId)).toBe(9);
    // The short tenant's retention was enforced at ingest already: events older than 3 days were not stored.
    expect(await tenantEventCount(short.tenantId)).toBe(4);

    // Five days later:
    clock.set(new Date(start.getTime() + 5 * DAY_MS));
    const result = await maintenance.run();
    // Longest retention 10 days: partitions whose whole day ended more than 10 days ago go.
    const horizon = clock.now().getTime() - 10 * DAY_MS;
    const left = await partitions.listDays();
    expect(left.every((d) => addDays(d, 1).getTime() > horizon)).toBe(true);
    expect(names(result.dropped)).toContain('threat_event_p20261120');
    expect(result.complete).toBe(true);
    // The long tenant keeps its events of the last 10 days (the three older ones went with their partitions); the
    // short tenant's four, all now older than 3 days, were deleted from partitions the long retention keeps.
    const longLeft = await context.prisma.threatEvent.findMany({ where: { tenantId: long.tenantId } });
    expect(longLeft.every((e) => e.occurredAt.getTime() >= horizon)).toBe(true);
    expect(longLeft.length).toBe(6);
    expect(await tenantEventCount(short.tenantId)).toBe(0);
    expect(result.deleted).toBe(4);
  });

  it('deletes in bounded batches the rows a shortened retention expires', async () => {
    await context.prisma.tenant.deleteMany({});
    clock.set(new Date('2026-12-20T12:00:00Z'));
    const keeper = await makeReportingTenant(context.prisma, { retentionDays: 30 });
    const trimmed = await makeReportingTenant(context.prisma, { retentionDays: 30 });
    const now = clock.now().getTime();
    const events = Array.from({ length: 12 }, (_, i) => new Date(now - (i + 0.5) * DAY_MS));
    for (const at of events) {
      await store(keeper.firewallId, at);
      await store(trimmed.firewallId, at);
    }
    await context.prisma.tenant.update({ where: { id: trimmed.tenantId }, data: { eventRetentionDays: 5 } });
    // A run deletes one DELETE's worth once its time budget is spent, and says more remain.
    const limits = { batch: 3, budgetMs: 0 };
    expect(await maintenance.run(limits)).toMatchObject({ deleted: 3, complete: false });
    expect(await maintenance.run(limits)).toMatchObject({ deleted: 3, complete: false });
    expect(await maintenance.run(limits)).toMatchObject({ deleted: 1, complete: true });
    expect(await tenantEventCount(trimmed.tenantId)).toBe(5);
    expect(await tenantEventCount(keeper.tenantId)).toBe(12);
  });
});
