import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRole } from '@threatline/db';
import { createTestApi, type TestApi } from '@threatline/http/testing';
import { ReportingModule } from '@threatline/reporting';
import { makeApiKey, makeFirewall, makeGroup, makeProvider, makeTenant } from '../support/factories';
import { makeThreatEvent, storeThreatEvents } from '../support/threat-events';

const HOUR = 3_600_000;
const EVENT_FIELDS = `id occurredAt tenantId firewallId groupId auditId source module action dryRun actionResult
  message moduleAction direction field indicator indicatorType srcIp dstIp domain url
  endpoint { host user process } firewall { id serial hostname } feed { auditId description source dryRun }`;
const LIST = `query ($filter: ThreatEventFilter, $first: Int, $after: String) {
  threatEvents(filter: $filter, first: $first, after: $after) {
    edges { cursor node { ${EVENT_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
const SUMMARY = `query ($from: DateTime, $to: DateTime, $bucket: ThreatEventBucket, $tenantId: ID, $top: Int) {
  threatEventSummary(from: $from, to: $to, bucket: $bucket, tenantId: $tenantId, top: $top) {
    from to bucket total
    byIndicator { indicator indicatorType count }
    byFirewall { firewallId firewall { serial } count }
    byAction { action dryRun count }
    bySource { source count }
    series { start count dropped dryRun } } }`;

interface EventNode {
  id: string;
  occurredAt: string;
  tenantId: string;
  firewallId: string;
  auditId: string;
  action: string;
  dryRun: boolean;
  actionResult: string;
  message: string;
  indicator: string;
  endpoint: { host: string | null; user: string | null } | null;
  firewall: { id: string; serial: string } | null;
  feed: { auditId: string; description: string } | null;
}
interface ListAnswer {
  threatEvents: {
    edges: { node: EventNode; cursor: string }[];
    pageInfo: { hasNextPage: boolean; endCursor: string };
  };
}

describe('threat events: queries, summary and export', () => {
  let api: TestApi;
  const now = Date.now();
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
  let tenantA: string;
  let tenantB: string;
  let tenantC: string;
  let groupA: string;
  let childGroupA: string;
  let firewallA1: { id: string; serial: string };
  let firewallA2: { id: string; serial: string };
  let firewallB: { id: string };
  let firewallC: { id: string };
  let adminA: string;
  let readerA: string;
  let adminB: string;
  let analyst: string;
  let operator: string;
  const auditA = 'MDR-20261123-AAAAAAAA';
  const auditB = 'MDR-20261123-BBBBBBBB';

  async function list(key: string, filter: Record<string, unknown> = {}, first = 100) {
    return api.graphql<ListAnswer>(LIST, { filter, first }, key);
  }
  async function ids(key: string, filter: Record<string, unknown> = {}): Promise<string[]> {
    const answer = await list(key, filter);
    expect(answer.errors).toBeUndefined();
    return answer.data!.threatEvents.edges.map((edge) => edge.node.id);
  }

  const eventsA1 = [
    makeThreatEvent({
      occurredAt: at(1),
      auditId: auditA,
      indicator: 'evil.example',
      indicatorType: 'domain',
      field: 'domain',
      module: 'dns',
      domain: 'x.evil.example',
    }),
    makeThreatEvent({ occurredAt: at(2), auditId: auditA, endpoint: { host: 'Laptop-9', user: 'Bob' } }),
    makeThreatEvent({ occurredAt: at(3), auditId: auditB, action: 'log', dryRun: true, endpoint: undefined }),
    makeThreatEvent({
      occurredAt: at(30),
      source: 'XOPS',
      auditId: 'XOPS-20261120-CCCCCCCC',
      action: 'log',
      moduleAction: 'LOG_ONLY',
      direction: 'inbound',
      endpoint: undefined,
    }),
  ];
  const eventsA2 = [
    makeThreatEvent({ occurredAt: at(4), auditId: auditA, direction: 'system', field: 'srcIp' }),
  ];
  const eventsB = [
    makeThreatEvent({ occurredAt: at(1), auditId: auditA }),
    makeThreatEvent({ occurredAt: at(5), auditId: auditB }),
  ];
  const eventsC = [makeThreatEvent({ occurredAt: at(6), auditId: auditB })];

  beforeAll(async () => {
    api = await createTestApi({ imports: [ReportingModule] });
    tenantA = (await makeTenant(api.prisma)).id;
    tenantB = (await makeTenant(api.prisma)).id;
    tenantC = (await makeTenant(api.prisma)).id;
    groupA = (await makeGroup(api.prisma, tenantA)).id;
    childGroupA = (
      await api.prisma.firewallGroup.create({ data: { tenantId: tenantA, name: 'child', parentId: groupA } })
    ).id;
    firewallA1 = await makeFirewall(api.prisma, tenantA, groupA);
    firewallA2 = await makeFirewall(api.prisma, tenantA, childGroupA);
    firewallB = await makeFirewall(api.prisma, tenantB, (await makeGroup(api.prisma, tenantB)).id);
    firewallC = await makeFirewall(api.prisma, tenantC, (await makeGroup(api.prisma, tenantC)).id);
    const provider = await makeProvider(api.prisma, [tenantA, tenantC]);
    const otherProvider = await makeProvider(api.prisma, [tenantB]);
    adminA = (await makeApiKey(api.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId: tenantA })).secret;
    readerA = (await makeApiKey(api.prisma, ApiKeyRole.READ_ONLY, { tenantId: tenantA })).secret;
    adminB = (await makeApiKey(api.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId: tenantB })).secret;
    analyst = (await makeApiKey(api.prisma, ApiKeyRole.MDR_ANALYST, { providerId: provider.id })).secret;
    operator = (await makeApiKey(api.prisma, ApiKeyRole.OPERATOR)).secret;
    // auditA targets tenant A; auditB belongs to another provider and targets tenant B only.
    await api.prisma.feed.create({
      data: {
        auditId: auditA,
        source: 'MDR',
        providerId: provider.id,
        description: 'Emotet C2',
        status: 'PUBLISHED',
        targets: { create: [{ tenantId: tenantA }] },
      },
    });
    await api.prisma.feed.create({
      data: {
        auditId: auditB,
        source: 'MDR',
        providerId: otherProvider.id,
        description: 'secret of tenant B',
        dryRun: true,
        status: 'PUBLISHED',
        targets: { create: [{ tenantId: tenantB }] },
      },
    });
    await storeThreatEvents(api, firewallA1.id, eventsA1);
    await storeThreatEvents(api, firewallA2.id, eventsA2);
    await storeThreatEvents(api, firewallB.id, eventsB);
    await storeThreatEvents(api, firewallC.id, eventsC);
  });
  afterAll(() => api?.close());

  describe('threatEvents', () => {
    it("lists the tenant's events newest first, with their firewall and feed", async () => {
      const answer = await list(adminA);
      expect(answer.errors).toBeUndefined();
      const nodes = answer.data!.threatEvents.edges.map((edge) => edge.node);
      expect(nodes.map((node) => node.id)).toEqual(
        [eventsA1[0]!, eventsA1[1]!, eventsA1[2]!, eventsA2[0]!, eventsA1[3]!].map((event) => event.id),
      );
      expect(nodes[0]).toMatchObject({
        tenantId: tenantA,
        firewallId: firewallA1.id,
        firewall: { id: firewallA1.id, serial: firewallA1.serial },
        auditId: auditA,
        feed: { auditId: auditA, description: 'Emotet C2' },
        actionResult: 'dropped',
        message: 'Took action: drop',
      });
    });

    it('reads a dry-run event as "Would have taken action: drop" with action result "dry run"', async () => {
      const [node] = (await list(adminA, { dryRun: true })).data!.threatEvents.edges.map((edge) => edge.node);
      expect(node).toMatchObject({
        id: eventsA1[2]!.id,
        action: 'LOG',
        dryRun: true,
        actionResult: 'dry run',
        message: 'Would have taken action: drop',
      });
    });

    it("never shows a feed that did not target the event's tenant, even under its audit ID", async () => {
      const [node] = (await list(adminA, { dryRun: true })).data!.threatEvents.edges.map((edge) => edge.node);
      expect(node).toMatchObject({ auditId: auditB, feed: null });
    });

    it('pages with a cursor through every event exactly once', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const answer: { data?: ListAnswer | null } = await api.graphql<ListAnswer>(
          LIST,
          { first: 2, after },
          adminA,
        );
        const page = answer.data!.threatEvents;
        seen.push(...page.edges.map((edge) => edge.node.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(await ids(adminA));
      expect(seen).toHaveLength(5);
    });

    it('filters by audit ID, firewall, group (with nested groups), indicator, source, action and direction', async () => {
      expect(await ids(adminA, { auditId: auditA })).toEqual([
        eventsA1[0]!.id,
        eventsA1[1]!.id,
        eventsA2[0]!.id,
      ]);
      expect(await ids(adminA, { firewallId: firewallA2.id })).toEqual([eventsA2[0]!.id]);
      expect(await ids(adminA, { groupId: childGroupA })).toEqual([eventsA2[0]!.id]);
      expect(await ids(adminA, { groupId: groupA })).toHaveLength(5);
      expect(await ids(adminA, { indicator: 'evil.example' })).toEqual([eventsA1[0]!.id]);
      expect(await ids(adminA, { source: 'XOPS' })).toEqual([eventsA1[3]!.id]);
      expect(await ids(adminA, { action: 'LOG' })).toEqual([eventsA1[2]!.id, eventsA1[3]!.id]);
      expect(await ids(adminA, { direction: 'INBOUND' })).toEqual([eventsA1[3]!.id]);
      expect(await ids(adminA, { module: 'DNS' })).toEqual([eventsA1[0]!.id]);
    });

    it('filters by time range and by endpoint host and user, case-insensitively', async () => {
      expect(await ids(adminA, { from: at(3.5), to: at(1.5) })).toEqual([eventsA1[1]!.id, eventsA1[2]!.id]);
      expect(await ids(adminA, { endpointHost: 'laptop-9' })).toEqual([eventsA1[1]!.id]);
      expect(await ids(adminA, { endpointUser: 'BOB' })).toEqual([eventsA1[1]!.id]);
    });

    it('refuses a range that ends before it starts and a cursor it did not issue', async () => {
      const backwards = await list(adminA, { from: at(1), to: at(2) });
      expect(backwards.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
      const forged = await api.graphql(LIST, { after: 'not-a-cursor' }, adminA);
      expect(forged.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    });

    it("lets a read-only key read its tenant's events", async () => {
      expect(await ids(readerA)).toEqual(await ids(adminA));
    });
  });

  describe('tenant isolation', () => {
    it("shows a fleet admin only its tenant's events", async () => {
      expect(await ids(adminB)).toEqual([eventsB[0]!.id, eventsB[1]!.id]);
    });

    it("answers another tenant's ids exactly as unknown ids", async () => {
      for (const [field, theirs] of [
        ['tenantId', tenantB],
        ['firewallId', firewallB.id],
        ['groupId', (await api.prisma.firewallGroup.findFirstOrThrow({ where: { tenantId: tenantB } })).id],
      ] as const) {
        const answer = await list(adminA, { [field]: theirs });
        const unknown = await list(adminA, { [field]: randomUUID() });
        expect(answer.errors?.[0]?.extensions?.code, field).toMatch(/_NOT_FOUND$/);
        expect(answer.errors?.[0]?.extensions?.code).toBe(unknown.errors?.[0]?.extensions?.code);
        expect(JSON.stringify(answer)).not.toContain(eventsB[0]!.id);
      }
    });

    it('shows an MDR analyst the events of the tenants its provider serves, and no other', async () => {
      const all = await ids(analyst);
      expect(new Set(all)).toEqual(new Set([...eventsA1, ...eventsA2, ...eventsC].map((event) => event.id)));
      expect(await ids(analyst, { tenantId: tenantC })).toEqual([eventsC[0]!.id]);
      const other = await list(analyst, { tenantId: tenantB });
      expect(other.errors?.[0]?.extensions?.code).toBe('TENANT_NOT_FOUND');
      const otherFirewall = await list(analyst, { firewallId: firewallB.id });
      expect(otherFirewall.errors?.[0]?.extensions?.code).toBe('FIREWALL_NOT_FOUND');
    });

    it('refuses operators: they read no tenant data', async () => {
      const answer = await list(operator);
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const summary = await api.graphql(SUMMARY, {}, operator);
      expect(summary.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it("keeps other tenants' events out of every summary", async () => {
      const answer = await api.graphql<{ threatEventSummary: { total: number } }>(
        SUMMARY,
        { from: at(48), to: at(0) },
        adminB,
      );
      expect(answer.data?.threatEventSummary.total).toBe(2);
      const analystTotal = await api.graphql<{ threatEventSummary: { total: number } }>(
        SUMMARY,
        { from: at(48), to: at(0) },
        analyst,
      );
      expect(analystTotal.data?.threatEventSummary.total).toBe(6);
      const other = await api.graphql(SUMMARY, { tenantId: tenantB }, analyst);
      expect(other.errors?.[0]?.extensions?.code).toBe('TENANT_NOT_FOUND');
    });
  });

  describe('threatEventSummary', () => {
    it('counts by indicator, firewall, action and source, and over time', async () => {
      const from = new Date(Math.floor((now - 24 * HOUR) / HOUR) * HOUR).toISOString();
      const answer = await api.graphql<{
        threatEventSummary: {
          total: number;
          bucket: string;
          byIndicator: { indicator: string; count: number }[];
          byFirewall: { firewallId: string; firewall: { serial: string }; count: number }[];
          byAction: { action: string; dryRun: boolean; count: number }[];
          bySource: { source: string; count: number }[];
          series: { start: string; count: number; dropped: number; dryRun: number }[];
        };
      }>(SUMMARY, { from, to: new Date(now + 1).toISOString(), bucket: 'HOUR' }, adminA);
      expect(answer.errors).toBeUndefined();
      const summary = answer.data!.threatEventSummary;
      // The X-Ops event is 30 hours old: outside the range.
      expect(summary.total).toBe(4);
      expect(summary.byIndicator).toEqual([
        { indicator: '203.0.113.7', indicatorType: 'IPV4', count: 3 },
        { indicator: 'evil.example', indicatorType: 'DOMAIN', count: 1 },
      ]);
      expect(summary.byFirewall).toEqual([
        { firewallId: firewallA1.id, firewall: { serial: firewallA1.serial }, count: 3 },
        { firewallId: firewallA2.id, firewall: { serial: firewallA2.serial }, count: 1 },
      ]);
      expect(summary.byAction).toEqual([
        { action: 'DROP', dryRun: false, count: 3 },
        { action: 'LOG', dryRun: true, count: 1 },
      ]);
      expect(summary.bySource).toEqual([{ source: 'MDR', count: 4 }]);
      expect(summary.series).toHaveLength(25);
      expect(summary.series.reduce((sum, point) => sum + point.count, 0)).toBe(4);
      expect(summary.series.reduce((sum, point) => sum + point.dryRun, 0)).toBe(1);
      expect(summary.series.reduce((sum, point) => sum + point.dropped, 0)).toBe(3);
    });

    it('lists only the top indicators and firewalls asked for', async () => {
      const answer = await api.graphql<{
        threatEventSummary: { byIndicator: unknown[]; byFirewall: unknown[] };
      }>(SUMMARY, { top: 1 }, adminA);
      expect(answer.data!.threatEventSummary.byIndicator).toHaveLength(1);
      expect(answer.data!.threatEventSummary.byFirewall).toHaveLength(1);
    });

    it('refuses a series with too many points', async () => {
      const answer = await api.graphql(SUMMARY, { from: at(24 * 30), to: at(0), bucket: 'MINUTE' }, adminA);
      expect(answer.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('CSV export', () => {
    const exportCsv = (key: string | null, query: Record<string, string> = {}) => {
      const request = api.http
        .get('/api/v1/events/export')
        .query(query)
        .buffer(true)
        .parse((response, done) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => done(null, text));
        });
      return key ? request.set('Authorization', `Bearer ${key}`) : request;
    };

    it('streams the filtered events as CSV, newest first', async () => {
      const response = await exportCsv(adminA, { auditId: auditA });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/csv/);
      const lines = (response.body as string).trimEnd().split('\r\n');
      expect(lines[0]).toMatch(/^occurredAt,receivedAt,id,tenantId,firewallId,firewallSerial/);
      expect(lines.slice(1).map((line) => line.split(',')[2])).toEqual(
        [eventsA1[0]!, eventsA1[1]!, eventsA2[0]!].map((event) => event.id),
      );
      expect(lines[1]).toContain('Emotet C2');
    });

    it('writes dry runs as the seed reads them', async () => {
      const response = await exportCsv(adminA, { dryRun: 'true' });
      const row = (response.body as string).trimEnd().split('\r\n')[1]!;
      expect(row).toContain(',dry run,Would have taken action: drop,');
    });

    it("exports only the caller's tenants, and answers others' ids as unknown", async () => {
      const mine = await exportCsv(adminB);
      const rows = (mine.body as string).trimEnd().split('\r\n').slice(1);
      expect(rows.map((line) => line.split(',')[2])).toEqual([eventsB[0]!.id, eventsB[1]!.id]);
      const theirs = await exportCsv(adminA, { firewallId: firewallB.id });
      const unknown = await exportCsv(adminA, { firewallId: randomUUID() });
      expect(theirs.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect((theirs.body as string).replaceAll(firewallB.id, '<id>')).toBe(
        (unknown.body as string).replaceAll(/[0-9a-f-]{36}/g, '<id>'),
      );
      const analystRows = (await exportCsv(analyst)).body as string;
      expect(analystRows).not.toContain(eventsB[0]!.id);
      expect(analystRows).toContain(eventsC[0]!.id);
    });

    it('refuses unknown parameters, bad values, callers without a key and operators', async () => {
      expect((await exportCsv(adminA, { color: 'red' })).status).toBe(400);
      expect((await exportCsv(adminA, { from: 'yesterday' })).status).toBe(400);
      expect((await exportCsv(adminA, { action: 'explode' })).status).toBe(400);
      expect((await exportCsv(null)).status).toBe(401);
      expect((await exportCsv(operator)).status).toBe(403);
    });

    it('streams an export larger than one read batch, every event once', async () => {
      const many = Array.from({ length: 4500 }, (_, i) =>
        makeThreatEvent({ occurredAt: at(100 + i / 1000), indicator: `198.51.100.${i % 250}` }),
      );
      const bulkFirewall = await makeFirewall(api.prisma, tenantC, (await makeGroup(api.prisma, tenantC)).id);
      await storeThreatEvents(api, bulkFirewall.id, many);
      const response = await exportCsv(analyst, { firewallId: bulkFirewall.id });
      const rows = (response.body as string).trimEnd().split('\r\n').slice(1);
      expect(rows).toHaveLength(4500);
      expect(new Set(rows.map((line) => line.split(',')[2])).size).toBe(4500);
      const limited = await exportCsv(analyst, { firewallId: bulkFirewall.id, limit: '10' });
      expect((limited.body as string).trimEnd().split('\r\n')).toHaveLength(11);
    });
  });
});
