import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreatEventWriter } from '../ingest/threat-event.writer';
import { ThreatEventBucket } from '../models/enums';
import { DAY_MS } from '../partitions/partition-days';
import { PartitionMaintenance } from '../partitions/partition-maintenance';
import { ThreatEventsService } from '../query/threat-events.service';
import { ReportingModule } from '../reporting.module';
import { fleetAdminPrincipal } from '../testing/principals';
import { createReportingContext, ManualClock, type ReportingContext } from '../testing/reporting-context';
import { makeReportingTenant, makeThreatEvents, type ReportingTenant } from '../testing/threat-events';

// Retention removes a summary's rollups and hour versions with the events they describe: a dropped partition takes
// its day's, the deletion of a shorter retention's expired events takes that tenant's.

const HOUR = 3_600_000;

describe('summary rollups under retention, on a clock the test moves', () => {
  // The real time: PostgreSQL's clock decides which hours are complete enough to cache.
  const start = Math.floor(Date.now() / HOUR) * HOUR;
  const clock = new ManualClock(new Date(start));
  let context: ReportingContext;
  let events: ThreatEventsService;
  let writer: ThreatEventWriter;
  let keep: ReportingTenant;
  let short: ReportingTenant;
  const utcDay = (at: number) => new Date(Math.floor(at / DAY_MS) * DAY_MS);
  const oldDay = utcDay(start - 20 * DAY_MS);
  const recentDay = utcDay(start - 3 * DAY_MS);

  const admin = fleetAdminPrincipal;

  /** 48 events over a UTC day, stored late (the day is over), so its hours get versions too. */
  async function storeDay(tenant: ReportingTenant, day: Date): Promise<void> {
    const dayEvents = makeThreatEvents(48, (i) => ({
      occurredAt: new Date(day.getTime() + i * 30 * 60_000 + 1000).toISOString(),
    }));
    await writer.store({
      firewallId: tenant.firewallId,
      batchId: randomUUID(),
      receivedAt: clock.now(),
      events: dayEvents,
    });
  }

  async function rollupsOf(
    tenant: ReportingTenant,
    day: Date,
  ): Promise<{ rollups: number; versions: number }> {
    const [row] = await context.prisma.$queryRaw<{ rollups: number; versions: number }[]>`
      SELECT
        (SELECT count(*)::int FROM threat_event_rollup WHERE tenant_id = ${tenant.tenantId}::uuid
          AND start >= ${day} AND start < ${new Date(day.getTime() + DAY_MS)}) AS rollups,
        (SELECT count(*)::int FROM threat_event_hour_version WHERE tenant_id = ${tenant.tenantId}::uuid
          AND hour >= ${day} AND hour < ${new Date(day.getTime() + DAY_MS)}) AS versions`;
    return row!;
  }

  beforeAll(async () => {
    context = await createReportingContext({ imports: [ReportingModule], redisUrl: null, clock });
    events = context.app.get(ThreatEventsService);
    writer = context.app.get(ThreatEventWriter);
    keep = await makeReportingTenant(context.prisma, { retentionDays: 30 });
    short = await makeReportingTenant(context.prisma, { retentionDays: 7 });
    await storeDay(keep, oldDay);
    await storeDay(keep, recentDay);
    await storeDay(short, recentDay);
    for (const tenant of [keep, short]) {
      const summary = await events.summary(admin(tenant.tenantId), {
        from: new Date(start - 25 * DAY_MS),
        to: new Date(start),
        bucket: ThreatEventBucket.DAY,
      });
      expect(summary.total).toBe(tenant === keep ? 96 : 48);
    }
  });
  afterAll(() => context?.close());

  it('drops the rollups and versions of a dropped partition, and a shorter retention deletes its tenants', async () => {
    expect(await rollupsOf(keep, oldDay)).toEqual({ rollups: 1, versions: 24 });
    expect(await rollupsOf(keep, recentDay)).toEqual({ rollups: 1, versions: 24 });
    expect(await rollupsOf(short, recentDay)).toEqual({ rollups: 1, versions: 24 });

    // 15 days on: the old day is past the longest retention (its partition goes), the recent day is past the
    // short retention (its tenant's events are deleted).
    clock.set(new Date(start + 15 * DAY_MS));
    const result = await context.app.get(PartitionMaintenance).run();
    expect(result.dropped.map((day) => day.getTime())).toContain(oldDay.getTime());
    expect(result.deleted).toBe(48);

    expect(await rollupsOf(keep, oldDay)).toEqual({ rollups: 0, versions: 0 });
    expect(await rollupsOf(short, recentDay)).toEqual({ rollups: 0, versions: 0 });
    expect(await rollupsOf(keep, recentDay)).toEqual({ rollups: 1, versions: 24 });
  });
});
