import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRole } from '@threatline/db';
import { createTestApi, type TestApi } from '@threatline/http/testing';
import type { ThreatEvent } from '@threatline/protocol';
import { ReportingModule } from '@threatline/reporting';
import { makeApiKey, makeFirewall, makeGroup, makeProvider, makeTenant } from '../support/factories';
import { makeThreatEvent, storeThreatEvents } from '../support/threat-events';

// threatEventSummary reads cached rollups of complete hours and days (libs/reporting/src/rollup). Every summary here
// is compared with a naive count of the events the test stored, so a rollup that miscounts, goes stale or leaks
// another tenant's events fails it.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BUCKET_MS = { MINUTE, FIFTEEN_MINUTES: 15 * MINUTE, HOUR, DAY: 24 * HOUR } as const;
type Bucket = keyof typeof BUCKET_MS;

const SUMMARY = `query ($from: DateTime, $to: DateTime, $bucket: ThreatEventBucket, $tenantId: ID, $top: Int) {
  threatEventSummary(from: $from, to: $to, bucket: $bucket, tenantId: $tenantId, top: $top) {
    total
    byIndicator { indicator indicatorType count }
    byFirewall { firewallId count }
    byAction { action dryRun count }
    bySource { source count }
    series { start count dropped dryRun } } }`;

interface Summary {
  total: number;
  byIndicator: { indicator: string; indicatorType: string; count: number }[];
  byFirewall: { firewallId: string; count: number }[];
  byAction: { action: string; dryRun: boolean; count: number }[];
  bySource: { source: string; count: number }[];
  series: { start: string; count: number; dropped: number; dryRun: number }[];
}

interface StoredEvent {
  tenantId: string;
  firewallId: string;
  event: ThreatEvent;
}

function topOf(counts: Map<string, number>, top: number): [string, number][] {
  return [...counts]
    .sort(([keyA, a], [keyB, b]) => b - a || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0))
    .slice(0, top);
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** The summary as the API should answer it, counted from the stored events one by one. */
function naiveSummary(
  stored: readonly StoredEvent[],
  tenantIds: readonly string[],
  from: Date,
  to: Date,
  bucket: Bucket,
  top: number,
): Summary {
  const events = stored.filter(
    ({ tenantId, event }) =>
      tenantIds.includes(tenantId) &&
      Date.parse(event.occurredAt) >= from.getTime() &&
      Date.parse(event.occurredAt) < to.getTime(),
  );
  const width = BUCKET_MS[bucket];
  const series: Summary['series'] = [];
  for (let start = Math.floor(from.getTime() / width) * width; start < to.getTime(); start += width) {
    const inBucket = events.filter(
      ({ event }) => Math.floor(Date.parse(event.occurredAt) / width) * width === start,
    );
    series.push({
      start: new Date(start).toISOString(),
      count: inBucket.length,
      dropped: inBucket.filter(({ event }) => event.action === 'drop').length,
      dryRun: inBucket.filter(({ event }) => event.dryRun).length,
    });
  }
  return {
    total: events.length,
    byIndicator: topOf(
      countBy(events, ({ event }) => `${event.indicator}\u0000${event.indicatorType}`),
      top,
    ).map(([key, count]) => {
      const [indicator, type] = key.split('\u0000') as [string, string];
      return { indicator, indicatorType: type.toUpperCase(), count };
    }),
    byFirewall: topOf(
      countBy(events, ({ firewallId }) => firewallId),
      top,
    ).map(([firewallId, count]) => ({ firewallId, count })),
    byAction: [...countBy(events, ({ event }) => `${event.action.toUpperCase()} ${event.dryRun}`)]
      .map(([key, count]) => ({ action: key.split(' ')[0]!, dryRun: key.endsWith('true'), count }))
      .sort(byJson),
    bySource: [...countBy(events, ({ event }) => event.source)]
      .map(([source, count]) => ({ source, count }))
      .sort(byJson),
    series,
  };
}

function byJson(a: object, b: object): number {
  return JSON.stringify(a) < JSON.stringify(b) ? -1 : 1;
}

describe('threatEventSummary over cached rollups', () => {
  let api: TestApi;
  // Whole minutes, so that every bucket of the range is complete and the edges fall inside hours.
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const ago = (ms: number) => new Date(now - ms).toISOString();
  const stored: StoredEvent[] = [];
  let tenantA: string;
  let tenantB: string;
  let tenantC: string;
  let firewallsA: string[];
  let firewallB: string;
  let firewallC: string;
  let adminA: string;
  let adminB: string;
  let analyst: string;

  async function store(tenantId: string, firewallId: string, events: ThreatEvent[]): Promise<void> {
    await storeThreatEvents(api, firewallId, events);
    stored.push(...events.map((event) => ({ tenantId, firewallId, event })));
  }

  async function summary(
    key: string,
    args: { from: Date; to: Date; bucket: Bucket; top: number; tenantId?: string },
  ): Promise<Summary> {
    const answer = await api.graphql<{ threatEventSummary: Summary }>(
      SUMMARY,
      { ...args, from: args.from.toISOString(), to: args.to.toISOString() },
      key,
    );
    expect(answer.errors).toBeUndefined();
    const result = answer.data!.threatEventSummary;
    return {
      ...result,
      byAction: [...result.byAction].sort(byJson),
      bySource: [...result.bySource].sort(byJson),
    };
  }

  async function rollupCount(tenantId: string, hours: 1 | 24): Promise<number> {
    const [row] = await api.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM threat_event_rollup WHERE tenant_id = ${tenantId}::uuid AND hours = ${hours}`;
    return row!.n;
  }

  /**
   * A busy tenant over the last 62 hours: each hour has 150 indicators seen twice (more than a rollup lists), one
   * indicator seen once an hour (never listed by an hour, the most counted over a day), a few heavy ones, every kind
   * of action, dry run and source, and events in the last minutes (hours not cached yet).
   */
  function busyHours(firewalls: readonly string[]): { firewallId: string; event: ThreatEvent }[] {
    const events: { firewallId: string; event: ThreatEvent }[] = [];
    for (let hour = 0; hour < 62; hour++) {
      const at = (i: number, of: number) => ago(hour * HOUR + Math.floor(((i + 0.5) / of) * HOUR));
      const add = (i: number, of: number, overrides: Partial<ThreatEvent>) =>
        events.push({
          firewallId: firewalls[(hour + i) % firewalls.length]!,
          event: makeThreatEvent({ occurredAt: at(i, of), ...overrides }),
        });
      for (let i = 0; i < 300; i++) {
        add(i, 300, {
          indicator: `h${hour}-${Math.floor(i / 2)}.example`,
          indicatorType: 'domain',
          field: 'domain',
        });
      }
      add(7, 300, { indicator: '198.51.100.1', dryRun: true, action: 'log', source: 'XOPS' });
      for (let i = 0; i < hour % 5; i++)
        add(i * 11, 300, {
          indicator: `heavy-${i % 3}.example`,
          indicatorType: 'domain',
          field: 'domain',
          action: 'log',
        });
    }
    // The last minutes: an hour that is not settled yet, counted from the events.
    for (let i = 0; i < 20; i++) {
      events.push({
        firewallId: firewalls[0]!,
        event: makeThreatEvent({
          occurredAt: ago((i + 1) * 10_000),
          indicator: 'now.example',
          indicatorType: 'domain',
          field: 'domain',
        }),
      });
    }
    return events;
  }

  beforeAll(async () => {
    api = await createTestApi({ imports: [ReportingModule] });
    tenantA = (await makeTenant(api.prisma)).id;
    tenantB = (await makeTenant(api.prisma)).id;
    tenantC = (await makeTenant(api.prisma)).id;
    const groupA = (await makeGroup(api.prisma, tenantA)).id;
    firewallsA = [
      (await makeFirewall(api.prisma, tenantA, groupA)).id,
      (await makeFirewall(api.prisma, tenantA, groupA)).id,
      (await makeFirewall(api.prisma, tenantA, groupA)).id,
    ];
    firewallB = (await makeFirewall(api.prisma, tenantB, (await makeGroup(api.prisma, tenantB)).id)).id;
    firewallC = (await makeFirewall(api.prisma, tenantC, (await makeGroup(api.prisma, tenantC)).id)).id;
    adminA = (await makeApiKey(api.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId: tenantA })).secret;
    adminB = (await makeApiKey(api.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId: tenantB })).secret;
    const provider = await makeProvider(api.prisma, [tenantA, tenantC]);
    analyst = (await makeApiKey(api.prisma, ApiKeyRole.MDR_ANALYST, { providerId: provider.id })).secret;

    const byFirewall = new Map<string, ThreatEvent[]>();
    for (const { firewallId, event } of busyHours(firewallsA)) {
      byFirewall.set(firewallId, [...(byFirewall.get(firewallId) ?? []), event]);
    }
    for (const [firewallId, events] of byFirewall) await store(tenantA, firewallId, events);
    // Other tenants: the same indicators at the same times, which must never count for A.
    await store(
      tenantB,
      firewallB,
      Array.from({ length: 200 }, (_, i) =>
        makeThreatEvent({
          occurredAt: ago((i % 48) * HOUR + 30 * MINUTE),
          indicator: 'h3-1.example',
          indicatorType: 'domain',
          field: 'domain',
        }),
      ),
    );
    await store(
      tenantC,
      firewallC,
      Array.from({ length: 100 }, (_, i) =>
        makeThreatEvent({
          occurredAt: ago((i % 40) * HOUR + 20 * MINUTE),
          indicator: `c-${i % 7}.example`,
          indicatorType: 'domain',
          field: 'domain',
          dryRun: i % 2 === 0,
          action: 'log',
        }),
      ),
    );
  }, 120_000);
  afterAll(() => api?.close());

  it('equals a naive count over cached days, cached hours, partial edge hours and the current hour', async () => {
    // From 12:43 UTC the day before yesterday, whatever the time now: 11 complete hours before a whole day, so
    // both kinds of rollup are used (a range of the last 49 hours held no complete hour outside whole days
    // between 00:00 and 01:17 UTC).
    const from = new Date(Math.floor(now / BUCKET_MS.DAY) * BUCKET_MS.DAY - 35 * HOUR - 17 * MINUTE);
    const to = new Date(now);
    for (const [bucket, top] of [
      ['HOUR', 5],
      ['FIFTEEN_MINUTES', 1],
      ['DAY', 3],
    ] as const) {
      const expected = naiveSummary(stored, [tenantA], from, to, bucket, top);
      // The first summary computes the rollups, the second reads them.
      expect(await summary(adminA, { from, to, bucket, top }), `${bucket}, computing`).toEqual(expected);
      expect(await summary(adminA, { from, to, bucket, top }), `${bucket}, cached`).toEqual(expected);
    }
    // The once-an-hour indicator leads a day, though no hour lists it.
    expect(naiveSummary(stored, [tenantA], from, to, 'HOUR', 1).byIndicator[0]?.indicator).toBe(
      '198.51.100.1',
    );
    expect(await rollupCount(tenantA, 24)).toBeGreaterThanOrEqual(1);
    expect(await rollupCount(tenantA, 1)).toBeGreaterThanOrEqual(10);
  });

  it('equals a naive count by the minute over the last day', async () => {
    const from = new Date(now - 24 * HOUR + 7 * MINUTE);
    const to = new Date(now);
    const expected = naiveSummary(stored, [tenantA], from, to, 'MINUTE', 10);
    expect(await summary(adminA, { from, to, bucket: 'MINUTE', top: 10 })).toEqual(expected);
  });

  it('counts late events stored after their hour and day were cached', async () => {
    const from = new Date(now - 49 * HOUR - 17 * MINUTE);
    const to = new Date(now);
    await summary(adminA, { from, to, bucket: 'HOUR', top: 5 });
    // An agent back online: 60 events of a new indicator, 30 hours ago (in a cached day or hour) and 3 hours ago.
    const late = Array.from({ length: 60 }, (_, i) =>
      makeThreatEvent({
        occurredAt: ago((i % 2 ? 30 : 3) * HOUR + i * 1000),
        indicator: 'late.example',
        indicatorType: 'domain',
        field: 'domain',
        action: 'log',
        dryRun: true,
      }),
    );
    await store(tenantA, firewallsA[1]!, late);
    for (const bucket of ['HOUR', 'DAY'] as const) {
      const answer = await summary(adminA, { from, to, bucket, top: 5 });
      expect(answer).toEqual(naiveSummary(stored, [tenantA], from, to, bucket, 5));
      expect(answer.byIndicator[0]).toEqual({
        indicator: 'late.example',
        indicatorType: 'DOMAIN',
        count: 60,
      });
    }
  });

  it("never counts another tenant's events, for a fleet admin or an MDR analyst", async () => {
    const from = new Date(now - 48 * HOUR);
    const to = new Date(now);
    expect(await summary(adminB, { from, to, bucket: 'HOUR', top: 5 })).toEqual(
      naiveSummary(stored, [tenantB], from, to, 'HOUR', 5),
    );
    expect(await summary(analyst, { from, to, bucket: 'HOUR', top: 5 })).toEqual(
      naiveSummary(stored, [tenantA, tenantC], from, to, 'HOUR', 5),
    );
    expect(await summary(analyst, { from, to, bucket: 'HOUR', top: 5, tenantId: tenantC })).toEqual(
      naiveSummary(stored, [tenantC], from, to, 'HOUR', 5),
    );
    const other = await api.graphql(SUMMARY, { tenantId: tenantB }, analyst);
    expect(other.errors?.[0]?.extensions?.code).toBe('TENANT_NOT_FOUND');
  });
});
