import { randomUUID } from 'node:crypto';
import type { ThreatEvent } from '@threatline/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreatEventWriter } from '../ingest/threat-event.writer';
import { ThreatEventBucket } from '../models/enums';
import { DAY_MS } from '../partitions/partition-days';
import { ThreatEventsService } from '../query/threat-events.service';
import { ReportingMetrics } from '../reporting.metrics';
import { ReportingModule } from '../reporting.module';
import { ReportingWorkerModule } from '../reporting-worker.module';
import { fleetAdminPrincipal } from '../testing/principals';
import { createReportingContext, ManualClock, type ReportingContext } from '../testing/reporting-context';
import { makeReportingTenant, makeThreatEvent, type ReportingTenant } from '../testing/threat-events';
import { RollupWarming, type WarmingLimits, type WarmingResult } from './rollup-warming';
import { HORIZON_MARGIN_MS, HOUR_MS, SETTLE_MS } from './summary-plan';

// The warming job computes the summary rollups ahead of summaries. Observed through the table (each row's content
// digest and xmin: a row rewritten gets a new xmin) and the rollups-computed counter, never through mocks.

const RETENTION_DAYS = 4;
const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
const ceilHour = (ms: number) => Math.ceil(ms / HOUR_MS) * HOUR_MS;

interface RollupRow {
  key: string;
  digest: string;
  xmin: string;
}

const admin = fleetAdminPrincipal;

/** Every rollup row by `${tenantId} ${hours} ${start}`, with a digest of its content and its xmin. */
async function rollupRows(context: ReportingContext): Promise<Map<string, RollupRow>> {
  const rows = await context.prisma.$queryRaw<RollupRow[]>`
    SELECT r.tenant_id::text || ' ' || r.hours || ' ' || (extract(epoch FROM r.start) * 1000)::bigint AS key,
      md5(row(r.*)::text) AS digest, r.xmin::text AS xmin
    FROM threat_event_rollup r`;
  return new Map(rows.map((row) => [row.key, row]));
}

/** The end of the last settled hour by PostgreSQL's clock (which decides it, for summaries and the job). */
async function settledHour(context: ReportingContext): Promise<number> {
  const [row] = await context.prisma.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
  return floorHour(row!.now.getTime() - SETTLE_MS);
}

const endOf = (key: string) => {
  const [, hours, start] = key.split(' ');
  return Number(start) + Number(hours) * HOUR_MS;
};

/**
 * A run and the rows it wrote (new or rewritten, by xmin), split into those of hours settled by `settled` and the
 * number of those that settled during the test (the hour turned: a test must not depend on when it runs).
 */
async function runAndChanges(
  context: ReportingContext,
  settled: number,
  limits?: WarmingLimits,
): Promise<{ result: WarmingResult; written: string[]; newlySettled: number }> {
  const before = await rollupRows(context);
  const result = await context.app.get(RollupWarming).run(limits);
  const written = [...(await rollupRows(context))]
    .filter(([key, row]) => before.get(key)?.xmin !== row.xmin)
    .map(([key]) => key);
  return {
    result,
    written: written.filter((key) => endOf(key) <= settled).sort(),
    newlySettled: written.filter((key) => endOf(key) > settled).length,
  };
}

/**
 * A busy tenant over the last `hours` hours before `end`: each hour 150 indicators seen twice (more than a rollup
 * lists, so rests matter), one seen once an hour (leads a day, listed by no hour), heavier ones varying by hour,
 * two firewalls, and every kind of action, dry run and source.
 */
function busyEvents(end: number, hours: number, seed: string): ThreatEvent[] {
  const events: ThreatEvent[] = [];
  for (let hour = 1; hour <= hours; hour++) {
    const at = (i: number) =>
      new Date(end - hour * HOUR_MS + Math.floor(((i + 0.5) / 310) * HOUR_MS)).toISOString();
    for (let i = 0; i < 300; i++) {
      events.push(
        makeThreatEvent({
          occurredAt: at(i),
          indicator: `${seed}-${hour % 7}-${Math.floor(i / 2)}.example`,
          indicatorType: 'domain',
          field: 'domain',
          ...(i % 5 === 0 ? { action: 'log', moduleAction: 'LOG_ONLY' } : {}),
          ...(i % 11 === 0 ? { action: 'log', dryRun: true } : {}),
          ...(i % 3 === 0 ? { source: 'XOPS' } : {}),
        }),
      );
    }
    events.push(makeThreatEvent({ occurredAt: at(300), indicator: '198.51.100.1' }));
    for (let i = 0; i < hour % 6; i++) {
      events.push(
        makeThreatEvent({
          occurredAt: at(301 + i),
          indicator: `heavy-${i % 3}.example`,
          indicatorType: 'domain',
          field: 'domain',
        }),
      );
    }
  }
  return events;
}

describe('warming the summary rollups ahead of summaries', () => {
  let context: ReportingContext;
  let writer: ThreatEventWriter;
  let warming: RollupWarming;
  let events: ThreatEventsService;
  let metrics: ReportingMetrics;
  // The service's clock stays put (retention horizons do not move during the test); PostgreSQL's is real.
  const clock = new ManualClock(new Date());
  const tenants: ReportingTenant[] = [];
  const stored = new Map<string, ThreatEvent[]>();
  /** The last settled hour's end when the job first ran: the summaries below end there (all of it warmable). */
  let end: number;

  async function store(tenant: ReportingTenant, batch: ThreatEvent[]): Promise<void> {
    for (let i = 0; i < batch.length; i += 5000) {
      await writer.store({
        firewallId: tenant.firewallId,
        batchId: randomUUID(),
        receivedAt: clock.now(),
        events: batch.slice(i, i + 5000),
      });
    }
    stored.set(tenant.tenantId, [...(stored.get(tenant.tenantId) ?? []), ...batch]);
  }

  async function computedBySummaries(): Promise<number> {
    const { values } = await metrics.rollupsComputed.get();
    return values.find((value) => value.labels.by === 'summary')?.value ?? 0;
  }

  /** Summaries of the first tenant a dashboard asks for: the last day, three days, the whole retention. */
  async function dashboard(): Promise<unknown[]> {
    const answers: unknown[] = [];
    for (const [from, bucket] of [
      [end - DAY_MS - 17 * 60_000, ThreatEventBucket.HOUR],
      [end - 3 * DAY_MS, ThreatEventBucket.FIFTEEN_MINUTES],
      [end - 30 * DAY_MS, ThreatEventBucket.DAY],
    ] as const) {
      const answer = await events.summary(admin(tenants[0]!.tenantId), {
        from: new Date(from),
        to: new Date(end),
        bucket,
        top: 5,
      });
      const expected = stored.get(tenants[0]!.tenantId)!.filter((event) => {
        const at = Date.parse(event.occurredAt);
        return at >= from && at < end;
      }).length;
      expect(answer.total).toBe(expected);
      answers.push(answer);
    }
    return answers;
  }

  beforeAll(async () => {
    context = await createReportingContext({ imports: [ReportingModule], redisUrl: null, clock });
    writer = context.app.get(ThreatEventWriter);
    warming = context.app.get(RollupWarming);
    events = context.app.get(ThreatEventsService);
    metrics = context.app.get(ReportingMetrics);
    const now = clock.now().getTime();
    for (const seed of ['a', 'b']) {
      const tenant = await makeReportingTenant(context.prisma, { retentionDays: RETENTION_DAYS });
      tenants.push(tenant);
      // From a little after the horizon (the first hours are too close to it to cache) to now.
      await store(tenant, busyEvents(now, RETENTION_DAYS * 24 - 2, seed));
    }
    // A tenant without events: nothing is computed for it.
    tenants.push(await makeReportingTenant(context.prisma, { retentionDays: RETENTION_DAYS }));
  }, 120_000);
  afterAll(() => context?.close());

  it('computes every rollup a summary may cache in one run; summaries then read them without computing any', async () => {
    end = await settledHour(context);
    const { result, written, newlySettled } = await runAndChanges(context, end);
    // Every hour from the horizon's margin to the last settled one, of the two tenants with events, and the whole
    // UTC days among them.
    const first = ceilHour(clock.now().getTime() - RETENTION_DAYS * DAY_MS + HORIZON_MARGIN_MS);
    const expected: string[] = [];
    for (const tenant of tenants.slice(0, 2)) {
      for (let at = first; at < end; at += HOUR_MS) {
        expected.push(`${tenant.tenantId} 1 ${at}`);
        if (at % DAY_MS === 0 && at + DAY_MS <= end) expected.push(`${tenant.tenantId} 24 ${at}`);
      }
    }
    expect(written).toEqual(expected.sort());
    expect(expected.filter((key) => key.includes(' 24 ')).length).toBeGreaterThanOrEqual(2);
    expect(result).toMatchObject({ skipped: 0, complete: true });
    expect(result.hours + result.days).toBe(written.length + newlySettled);
    const rows = await rollupRows(context);

    // The first summaries of the dashboard: nothing computed, no row rewritten.
    const computedBefore = await computedBySummaries();
    const warmedAnswers = await dashboard();
    expect(await computedBySummaries()).toBe(computedBefore);
    expect(await rollupRows(context)).toEqual(rows);

    // The same summaries with no rollup: they compute theirs from the events (days too), and both the answers and
    // every row they computed equal the warmed ones (the job's days were summed from hours).
    await context.prisma.$executeRaw`TRUNCATE threat_event_rollup`;
    expect(await dashboard()).toEqual(warmedAnswers);
    expect(await computedBySummaries()).toBeGreaterThan(computedBefore);
    const computed = await rollupRows(context);
    expect([...computed.keys()].filter((key) => key.includes(' 24 ')).length).toBeGreaterThanOrEqual(2);
    for (const [key, row] of computed) expect(row.digest, key).toBe(rows.get(key)?.digest);

    // A second run restores what the summaries did not compute, and nothing else.
    const again = await warming.run();
    expect(again.hours + again.days).toBe(rows.size - computed.size);
    const restored = await rollupRows(context);
    for (const [key, row] of rows) expect(restored.get(key)?.digest, key).toBe(row.digest);
  });

  it('recomputes an hour and its day made stale by late events on the next run, and nothing else', async () => {
    const tenant = tenants[0]!;
    // An agent back online: events of an hour 30 hours back (inside a whole, cached day), stored now.
    const hour = end - 30 * HOUR_MS;
    const late = Array.from({ length: 40 }, (_, i) =>
      makeThreatEvent({
        occurredAt: new Date(hour + 60_000 + i * 1000).toISOString(),
        indicator: 'late.example',
        indicatorType: 'domain',
        field: 'domain',
      }),
    );
    await store(tenant, late);
    const day = Math.floor(hour / DAY_MS) * DAY_MS;
    const { result, written, newlySettled } = await runAndChanges(context, end);
    expect(written).toEqual([`${tenant.tenantId} 1 ${hour}`, `${tenant.tenantId} 24 ${day}`].sort());
    expect(result.hours + result.days).toBe(2 + newlySettled);

    const computedBefore = await computedBySummaries();
    const answer = await events.summary(admin(tenant.tenantId), {
      from: new Date(day),
      to: new Date(day + DAY_MS),
      bucket: ThreatEventBucket.HOUR,
      top: 1,
    });
    expect(answer.byIndicator[0]).toMatchObject({ indicator: 'late.example', count: 40 });
    expect(await computedBySummaries()).toBe(computedBefore);
    expect((await runAndChanges(context, end)).written).toEqual([]);
  });
});

describe('a warming run is bounded, newest first', () => {
  let context: ReportingContext;
  let warming: RollupWarming;
  let tenant: ReportingTenant;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    context = await createReportingContext({ imports: [ReportingModule], redisUrl: null, clock });
    warming = context.app.get(RollupWarming);
    tenant = await makeReportingTenant(context.prisma, { retentionDays: RETENTION_DAYS });
    await context.app.get(ThreatEventWriter).store({
      firewallId: tenant.firewallId,
      batchId: randomUUID(),
      receivedAt: clock.now(),
      events: busyEvents(clock.now().getTime(), 60, 'bound'),
    });
  }, 60_000);
  afterAll(() => context?.close());

  it('computes at most hoursPerRun hours per run, the newest stale ones, and goes on in later runs', async () => {
    const settled = await settledHour(context);
    const limits = { hoursPerRun: 10, budgetMs: 60_000 };
    const first = await runAndChanges(context, settled, limits);
    expect(first.result).toMatchObject({ hours: 10, complete: false });
    if (first.newlySettled === 0) {
      const newest = Array.from(
        { length: 10 },
        (_, i) => `${tenant.tenantId} 1 ${settled - (i + 1) * HOUR_MS}`,
      );
      expect(first.written.filter((key) => key.includes(' 1 '))).toEqual(newest.sort());
    }
    const warmable =
      (settled - ceilHour(clock.now().getTime() - RETENTION_DAYS * DAY_MS + HORIZON_MARGIN_MS)) / HOUR_MS;
    let hours = 10;
    for (let run = 1; ; run++) {
      expect(run).toBeLessThan(Math.ceil(warmable / 10) + 3);
      const { result, written, newlySettled } = await runAndChanges(context, settled, limits);
      expect(result.hours).toBeLessThanOrEqual(10);
      expect(result.hours + result.days).toBe(written.length + newlySettled);
      hours += result.hours;
      if (result.complete) break;
    }
    expect(hours).toBeGreaterThanOrEqual(warmable);
    expect([...(await rollupRows(context)).keys()].filter((key) => key.includes(' 1 ')).length).toBe(hours);
  });

  it('with no time budget, works on one tenant-day per run', async () => {
    await context.prisma.$executeRaw`TRUNCATE threat_event_rollup`;
    const result = await warming.run({ hoursPerRun: 10_000, budgetMs: 0 });
    expect(result.complete).toBe(false);
    const rows = [...(await rollupRows(context)).keys()];
    const days = new Set(rows.map((key) => Math.floor(Number(key.split(' ')[2]) / DAY_MS)));
    expect(days.size).toBe(1);
    expect(result.hours).toBe(rows.length);
  });
});

describe('warming runs at once, on two workers and beside summaries', () => {
  let one: ReportingContext;
  let two: ReportingContext;
  const clock = new ManualClock(new Date());
  const tenants: ReportingTenant[] = [];

  beforeAll(async () => {
    one = await createReportingContext({ imports: [ReportingModule], redisUrl: null, clock });
    two = await createReportingContext({
      imports: [ReportingModule],
      redisUrl: null,
      clock,
      database: one.database!,
    });
    for (const seed of ['x', 'y', 'z']) {
      const tenant = await makeReportingTenant(one.prisma, { retentionDays: RETENTION_DAYS });
      tenants.push(tenant);
      await one.app.get(ThreatEventWriter).store({
        firewallId: tenant.firewallId,
        batchId: randomUUID(),
        receivedAt: clock.now(),
        events: busyEvents(clock.now().getTime(), 80, seed),
      });
    }
  }, 120_000);
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  it('leaves the same rows as one run alone, and the summaries meanwhile answer as after', async () => {
    const summaryOf = (context: ReportingContext, tenant: ReportingTenant) =>
      context.app.get(ThreatEventsService).summary(admin(tenant.tenantId), {
        from: new Date(clock.now().getTime() - 30 * DAY_MS),
        to: clock.now(),
        bucket: ThreatEventBucket.HOUR,
      });
    const settled = await settledHour(one);
    const [runOne, runTwo, ...during] = await Promise.all([
      one.app.get(RollupWarming).run(),
      two.app.get(RollupWarming).run(),
      ...tenants.map((tenant, i) => summaryOf(i % 2 ? one : two, tenant)),
    ]);
    // A tenant-day one run found locked (by the other, or a summary computing) is left to a later run.
    let later = [runOne, runTwo].every((run) => run.complete);
    for (let run = 0; !later; run++) {
      expect(run).toBeLessThan(3);
      later = (await one.app.get(RollupWarming).run()).complete;
    }
    expect((await runAndChanges(one, settled)).written).toEqual([]);
    const together = await rollupRows(one);

    await one.prisma.$executeRaw`TRUNCATE threat_event_rollup`;
    const alone = await one.app.get(RollupWarming).run();
    expect(alone).toMatchObject({ skipped: 0, complete: true });
    // No hour was computed twice: what the two runs computed, one run alone computes (summaries did some).
    expect(runOne.hours + runTwo.hours).toBeLessThanOrEqual(alone.hours);
    expect(new Map([...together].map(([key, row]) => [key, row.digest]))).toEqual(
      new Map([...(await rollupRows(one))].map(([key, row]) => [key, row.digest])),
    );
    for (const [i, tenant] of tenants.entries()) expect(await summaryOf(one, tenant)).toEqual(during[i]);
  });
});

describe('the warming job on the worker', () => {
  async function warmsOnItsOwn(context: ReportingContext): Promise<void> {
    // Three days kept, two of events: a whole settled UTC day among them whatever the time.
    const tenant = await makeReportingTenant(context.prisma, { retentionDays: 3 });
    await context.app.get(ThreatEventWriter).store({
      firewallId: tenant.firewallId,
      batchId: randomUUID(),
      receivedAt: new Date(),
      events: busyEvents(Date.now(), 50, 'worker'),
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [row] = await context.prisma.$queryRaw<{ days: number }[]>`
        SELECT count(*)::int AS days FROM threat_event_rollup WHERE tenant_id = ${tenant.tenantId}::uuid AND hours = 24`;
      if (row!.days >= 1) return;
      if (Date.now() > deadline) throw new Error('no day rollup was warmed within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('runs as a repeatable BullMQ job in distributed mode', async () => {
    const context = await createReportingContext({
      imports: [ReportingWorkerModule.forRoot({ warmingIntervalMs: 1000 })],
    });
    try {
      await warmsOnItsOwn(context);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('runs on the in-process queue on PGlite in embedded mode', async () => {
    const context = await createReportingContext({
      imports: [ReportingWorkerModule.forRoot({ warmingIntervalMs: 1000 })],
      redisUrl: null,
      pglite: true,
    });
    try {
      await warmsOnItsOwn(context);
    } finally {
      await context.close();
    }
  }, 90_000);
});
