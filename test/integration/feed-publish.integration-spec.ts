import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRole, FirewallStatus } from '@threatline/db';
import { FeedPublisherService, FeedsWorkerModule } from '@threatline/feeds';
import { createTestApi, GraphqlResponse, TestApi } from '@threatline/http/testing';
import { parseBlocklistLine } from '@threatline/ioc';
import { mdrGroupStreamId, mdrTenantStreamId, XOPS_STREAM_ID } from '@threatline/protocol';
import { AckRecorder } from '@threatline/streams';
import { makeApiKey, makeFirewall, makeGroup } from '../support/factories';
import {
  eventually,
  feedStatus,
  makeServedTenant,
  pushFeed,
  ServedTenant,
  streamEntries,
  streamHead,
  type Accepted,
} from '../support/feeds';

const URLHAUS = resolve(__dirname, '../../../shared/data/urlhaus/urlhaus-filter-online.txt');

/** The entries of a stream as `key -> auditId` (and ` dry` for dry runs), for compact expectations. */
async function holding(api: TestApi, streamId: string): Promise<Record<string, string>> {
  const entries = await streamEntries(api, streamId);
  return Object.fromEntries(
    [...entries.values()].map((entry) => [entry.key, `${entry.auditId}${entry.dryRun ? ' dry' : ''}`]),
  );
}

describe('feed publication (worker jobs onto the delta streams)', () => {
  let api: TestApi;
  let publisher: FeedPublisherService;

  beforeAll(async () => {
    api = await createTestApi({
      imports: [
        FeedsWorkerModule.forRoot({ expireIntervalMs: 200, sweepIntervalMs: 250, sweepAfterMs: 1000 }),
      ],
    });
    publisher = api.app.get(FeedPublisherService);
  });

  afterAll(async () => {
    await api?.close();
  });

  /** Pushes and waits until the feed is published. */
  async function published(tenant: ServedTenant, body: Record<string, unknown>): Promise<Accepted> {
    const response = await pushFeed(api, tenant.analystKey, { tenantIds: [tenant.tenantId], ...body });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const accepted = response.body as Accepted;
    await feedStatus(api, accepted.feedId, 'PUBLISHED');
    return accepted;
  }

  async function revoked(tenant: ServedTenant, feedId: string): Promise<void> {
    const response = await api.http
      .delete(`/api/v1/feeds/${feedId}`)
      .set('Authorization', `Bearer ${tenant.analystKey}`);
    expect(response.status).toBe(202);
    await feedStatus(api, feedId, 'REVOKED');
  }

  it("puts exactly the push's normalized indicators on the tenant's stream, each with the feed's audit ID", async () => {
    const tenant = await makeServedTenant(api.prisma);
    const feed = await published(tenant, {
      indicators: [
        { value: 'Evil.COM.' },
        { value: 'evil.com' },
        { value: 'HTTP://evil.com:80/dl/./x.exe' },
        { value: '10.0.0.0/8' },
        { value: '1.2.3.4/32' },
        { value: 'not a domain!' },
      ],
    });
    const streamId = mdrTenantStreamId(tenant.tenantId);
    const entries = await streamEntries(api, streamId);
    expect([...entries.values()].sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'cidr:10.0.0.0/8', type: 'cidr', value: '10.0.0.0/8', auditId: feed.auditId, dryRun: false },
      { key: 'domain:evil.com', type: 'domain', value: 'evil.com', auditId: feed.auditId, dryRun: false },
      { key: 'ipv4:1.2.3.4', type: 'ipv4', value: '1.2.3.4', auditId: feed.auditId, dryRun: false },
      {
        key: 'url:evil.com/dl/x.exe',
        type: 'url',
        value: 'evil.com/dl/x.exe',
        auditId: feed.auditId,
        dryRun: false,
      },
    ]);
    const head = await streamHead(api, streamId);
    expect(head).toEqual({ head: 4, deltas: 4 });
    const feedStream = await api.prisma.feedStream.findMany({ where: { feedId: feed.feedId } });
    expect(feedStream.map(({ streamId: id, seq }) => ({ id, seq: Number(seq) }))).toEqual([
      { id: streamId, seq: 4 },
    ]);
  });

  it("removes a revoked feed's indicators from its streams", async () => {
    const tenant = await makeServedTenant(api.prisma);
    const feed = await published(tenant, {
      indicators: [{ value: 'gone.example' }, { value: '198.51.100.1' }],
    });
    const streamId = mdrTenantStreamId(tenant.tenantId);
    expect(Object.keys(await holding(api, streamId))).toHaveLength(2);
    await revoked(tenant, feed.feedId);
    expect(await holding(api, streamId)).toEqual({});
    const deltas = await api.prisma.streamDelta.findMany({ where: { streamId }, orderBy: { seq: 'asc' } });
    expect(deltas.map((delta) => delta.op)).toEqual(['upsert', 'upsert', 'remove', 'remove']);
    const view = await api.http
      .get(`/api/v1/feeds/${feed.feedId}`)
      .set('Authorization', `Bearer ${tenant.analystKey}`);
    expect(view.body).toMatchObject({ status: 'REVOKED', indicatorCount: 2 });
  });

  it('removes an indicator from the streams once its TTL has passed, and keeps the rest', async () => {
    const tenant = await makeServedTenant(api.prisma);
    const feed = await published(tenant, {
      indicators: [
        { value: 'short.example', ttlSeconds: 1 },
        { value: 'long.example', ttlSeconds: 3600 },
        { value: 'forever.example' },
      ],
    });
    const streamId = mdrTenantStreamId(tenant.tenantId);
    expect(Object.keys(await holding(api, streamId)).sort()).toEqual([
      'domain:forever.example',
      'domain:long.example',
      'domain:short.example',
    ]);
    await eventually('the short TTL to expire', async () => {
      const keys = Object.keys(await holding(api, streamId));
      return keys.includes('domain:short.example') ? undefined : keys;
    });
    expect(Object.keys(await holding(api, streamId)).sort()).toEqual([
      'domain:forever.example',
      'domain:long.example',
    ]);
    const indicator = await api.prisma.feedIndicator.findFirstOrThrow({
      where: { feedId: feed.feedId, value: 'short.example' },
    });
    expect(indicator.removedAt).toEqual(indicator.expiresAt);
    expect((await api.prisma.feed.findUniqueOrThrow({ where: { id: feed.feedId } })).status).toBe(
      'PUBLISHED',
    );
  });

  it('keeps a value two feeds hold until both are gone, showing the newest one', async () => {
    const tenant = await makeServedTenant(api.prisma);
    const streamId = mdrTenantStreamId(tenant.tenantId);
    const first = await published(tenant, { indicators: [{ value: 'x.example' }, { value: 'y.example' }] });
    const second = await published(tenant, { indicators: [{ value: 'y.example' }, { value: 'z.example' }] });
    expect(await holding(api, streamId)).toEqual({
      'domain:x.example': first.auditId,
      'domain:y.example': second.auditId,
      'domain:z.example': second.auditId,
    });
    await revoked(tenant, second.feedId);
    expect(await holding(api, streamId)).toEqual({
      'domain:x.example': first.auditId,
      'domain:y.example': first.auditId,
    });
    await revoked(tenant, first.feedId);
    expect(await holding(api, streamId)).toEqual({});
  });

  it('never lets a dry run weaken a blocking entry', async () => {
    const tenant = await makeServedTenant(api.prisma);
    const streamId = mdrTenantStreamId(tenant.tenantId);
    const blocking = await published(tenant, { indicators: [{ value: 'shared.example' }] });
    const headBefore = await streamHead(api, streamId);
    const dry = await published(tenant, {
      dryRun: true,
      indicators: [{ value: 'shared.example' }, { value: 'trial.example' }],
    });
    expect(await holding(api, streamId)).toEqual({
      'domain:shared.example': blocking.auditId,
      'domain:trial.example': `${dry.auditId} dry`,
    });
    expect((await streamHead(api, streamId)).head).toBe(headBefore.head + 1);
    await revoked(tenant, blocking.feedId);
    expect(await holding(api, streamId)).toEqual({
      'domain:shared.example': `${dry.auditId} dry`,
      'domain:trial.example': `${dry.auditId} dry`,
    });
    // A later blocking push of the value takes it back from the dry run.
    const again = await published(tenant, { indicators: [{ value: 'shared.example' }] });
    expect((await holding(api, streamId))['domain:shared.example']).toBe(again.auditId);
  });

  it('publishes a group target to that group only, not to the tenant or its child groups', async () => {
    const tenant = await makeServedTenant(api.prisma);
    const child = await api.prisma.firewallGroup.create({
      data: { tenantId: tenant.tenantId, name: `child-${randomUUID()}`, parentId: tenant.groupId },
    });
    const feed = await published(tenant, {
      groupIds: [tenant.groupId],
      indicators: [{ value: 'group.example' }],
    });
    expect(await holding(api, mdrGroupStreamId(tenant.groupId))).toEqual({
      'domain:group.example': feed.auditId,
    });
    expect(await holding(api, mdrTenantStreamId(tenant.tenantId))).toEqual({});
    expect(await holding(api, mdrGroupStreamId(child.id))).toEqual({});
  });

  describe('idempotency of the jobs', () => {
    it('changes nothing when the publish job runs again', async () => {
      const tenant = await makeServedTenant(api.prisma);
      const streamId = mdrTenantStreamId(tenant.tenantId);
      const feed = await published(tenant, {
        indicators: [{ value: 'twice.example' }, { value: '192.0.2.9' }],
      });
      const before = { head: await streamHead(api, streamId), entries: await holding(api, streamId) };
      await publisher.publish(feed.feedId);
      expect({ head: await streamHead(api, streamId), entries: await holding(api, streamId) }).toEqual(
        before,
      );
    });

    it('appends nothing when a publication is redone after its deltas were committed', async () => {
      const tenant = await makeServedTenant(api.prisma);
      const streamId = mdrTenantStreamId(tenant.tenantId);
      const feed = await published(tenant, { indicators: [{ value: 'redo.example' }] });
      const before = { head: await streamHead(api, streamId), entries: await holding(api, streamId) };
      // As if the worker died after writing the deltas but before recording the feed as published.
      await api.prisma.feedStream.deleteMany({ where: { feedId: feed.feedId } });
      await api.prisma.feed.update({ where: { id: feed.feedId }, data: { status: 'PENDING' } });
      await publisher.publish(feed.feedId);
      expect((await api.prisma.feed.findUniqueOrThrow({ where: { id: feed.feedId } })).status).toBe(
        'PUBLISHED',
      );
      expect({ head: await streamHead(api, streamId), entries: await holding(api, streamId) }).toEqual(
        before,
      );
    });

    it('changes nothing when the revoke job runs again', async () => {
      const tenant = await makeServedTenant(api.prisma);
      const streamId = mdrTenantStreamId(tenant.tenantId);
      const feed = await published(tenant, { indicators: [{ value: 'undo.example' }] });
      await revoked(tenant, feed.feedId);
      const before = await streamHead(api, streamId);
      await publisher.revoke(feed.feedId);
      await api.prisma.feed.update({ where: { id: feed.feedId }, data: { status: 'REVOKING' } });
      await publisher.revoke(feed.feedId);
      expect(await streamHead(api, streamId)).toEqual(before);
    });

    it('publishes overlapping feeds pushed at once to a consistent stream', async () => {
      const tenant = await makeServedTenant(api.prisma);
      const streamId = mdrTenantStreamId(tenant.tenantId);
      const values = Array.from({ length: 50 }, (_, i) => ({ value: `c${i}.example` }));
      const answers = await Promise.all(
        [0, 1, 2, 3].map((n) =>
          pushFeed(api, tenant.analystKey, {
            tenantIds: [tenant.tenantId],
            dryRun: n % 2 === 1,
            indicators: values.slice(n * 10, n * 10 + 20),
          }),
        ),
      );
      const feeds = answers.map((answer) => answer.body as Accepted);
      for (const feed of feeds) await feedStatus(api, feed.feedId, 'PUBLISHED');
      const entries = await streamEntries(api, streamId);
      expect(entries.size).toBe(50);
      const { head, deltas } = await streamHead(api, streamId);
      expect(deltas).toBe(head);
      // c10..c19 are held by feed 0 (blocking) and feed 1 (dry run): the blocking one wins.
      expect(entries.get('domain:c15.example')).toMatchObject({ auditId: feeds[0]!.auditId, dryRun: false });
      expect(entries.get('domain:c45.example')).toMatchObject({ auditId: feeds[3]!.auditId, dryRun: true });
    });
  });

  describe('crash safety', () => {
    async function strandedFeed(tenant: ServedTenant, status: 'PENDING' | 'REVOKING', value: string) {
      const id = randomUUID();
      await api.prisma.feed.create({
        data: {
          id,
          auditId: `MDR-20261123-${randomUUID()
            .replace(/[^0-9A-F]/gi, '')
            .slice(0, 8)
            .toUpperCase()}`,
          source: 'MDR',
          providerId: tenant.providerId,
          status,
          createdAt: new Date(Date.now() - 60_000),
          revokedAt: status === 'REVOKING' ? new Date(Date.now() - 60_000) : null,
          targets: { create: [{ tenantId: tenant.tenantId }] },
          indicators: { create: [{ type: 'domain', value }] },
        },
      });
      return id;
    }

    it('publishes a feed left PENDING without a job (a crash between commit and enqueue)', async () => {
      const tenant = await makeServedTenant(api.prisma);
      const feedId = await strandedFeed(tenant, 'PENDING', 'stranded.example');
      await feedStatus(api, feedId, 'PUBLISHED');
      expect(Object.keys(await holding(api, mdrTenantStreamId(tenant.tenantId)))).toEqual([
        'domain:stranded.example',
      ]);
    });

    it('finishes a revocation left REVOKING without a job', async () => {
      const tenant = await makeServedTenant(api.prisma);
      const feed = await published(tenant, { indicators: [{ value: 'half-revoked.example' }] });
      await api.prisma.feed.update({
        where: { id: feed.feedId },
        data: { status: 'REVOKING', revokedAt: new Date(Date.now() - 60_000) },
      });
      await feedStatus(api, feed.feedId, 'REVOKED');
      expect(await holding(api, mdrTenantStreamId(tenant.tenantId))).toEqual({});
    });
  });

  describe('delivery', () => {
    it('counts the managed firewalls targeted and those that acknowledged the feed', async () => {
      const tenant = await makeServedTenant(api.prisma);
      const otherGroup = await makeGroup(api.prisma, tenant.tenantId);
      const inGroup = [
        await makeFirewall(api.prisma, tenant.tenantId, tenant.groupId),
        await makeFirewall(api.prisma, tenant.tenantId, tenant.groupId),
      ];
      const elsewhere = await makeFirewall(api.prisma, tenant.tenantId, otherGroup.id);
      await makeFirewall(api.prisma, tenant.tenantId, tenant.groupId, {
        status: FirewallStatus.APPROVAL_PENDING,
      });
      const acks = api.app.get(AckRecorder);
      const delivery = async (feedId: string) =>
        (await api.http.get(`/api/v1/feeds/${feedId}`).set('Authorization', `Bearer ${tenant.analystKey}`))
          .body.delivery as { targetedFirewalls: number; appliedFirewalls: number };

      const wide = await published(tenant, { indicators: [{ value: 'wide.example' }] });
      const group = await published(tenant, {
        groupIds: [tenant.groupId],
        indicators: [{ value: 'narrow.example' }],
      });
      expect(await delivery(wide.feedId)).toEqual({ targetedFirewalls: 3, appliedFirewalls: 0 });
      expect(await delivery(group.feedId)).toEqual({ targetedFirewalls: 2, appliedFirewalls: 0 });

      const tenantStream = mdrTenantStreamId(tenant.tenantId);
      const groupStream = mdrGroupStreamId(tenant.groupId);
      const tenantHead = (await streamHead(api, tenantStream)).head;
      await acks.record([
        { firewallId: inGroup[0]!.id, streamId: tenantStream, epoch: 1, seq: tenantHead },
        { firewallId: elsewhere.id, streamId: tenantStream, epoch: 1, seq: tenantHead - 1 },
        {
          firewallId: inGroup[1]!.id,
          streamId: groupStream,
          epoch: 1,
          seq: (await streamHead(api, groupStream)).head,
        },
      ]);
      expect(await delivery(wide.feedId)).toEqual({ targetedFirewalls: 3, appliedFirewalls: 1 });
      expect(await delivery(group.feedId)).toEqual({ targetedFirewalls: 2, appliedFirewalls: 1 });
    });
  });

  describe('GraphQL feeds and feed', () => {
    const FEEDS = `query($first: Int, $auditId: String) {
      feeds(first: $first, auditId: $auditId) {
        edges { node { id auditId status dryRun indicatorCount targets { tenantId groupId } delivery { targetedFirewalls appliedFirewalls } } }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    const FEED = `query($id: ID!) { feed(id: $id) { id auditId source status targets { tenantId groupId } delivery { targetedFirewalls } } }`;

    it("shows an analyst its provider's feeds and a tenant only what targets it", async () => {
      const a = await makeServedTenant(api.prisma);
      const b = await makeServedTenant(api.prisma);
      // A's provider also serves B, and pushes one feed to both.
      await api.prisma.mdrProviderTenant.create({ data: { providerId: a.providerId, tenantId: b.tenantId } });
      await makeFirewall(api.prisma, a.tenantId, a.groupId);
      await makeFirewall(api.prisma, b.tenantId, b.groupId);
      await makeFirewall(api.prisma, b.tenantId, b.groupId);
      const both = await pushFeed(api, a.analystKey, {
        tenantIds: [a.tenantId, b.tenantId],
        indicators: [{ value: 'both.example' }],
      });
      const onlyA = await pushFeed(api, a.analystKey, {
        tenantIds: [a.tenantId],
        indicators: [{ value: 'a.example' }],
      });
      const bothId = (both.body as Accepted).feedId;
      const onlyAId = (onlyA.body as Accepted).feedId;
      await feedStatus(api, onlyAId, 'PUBLISHED');

      type Listed = {
        feeds: {
          edges: { node: { id: string; targets: unknown[]; delivery: { targetedFirewalls: number } } }[];
        };
      };
      const analyst = await api.graphql<Listed>(FEEDS, { first: 10 }, a.analystKey);
      expect(analyst.data?.feeds.edges.map((edge) => edge.node.id)).toEqual([onlyAId, bothId]);
      expect(analyst.data?.feeds.edges[1]?.node.delivery.targetedFirewalls).toBe(3);

      const tenantB = await api.graphql<Listed>(FEEDS, { first: 10 }, b.adminKey);
      expect(tenantB.data?.feeds.edges.map((edge) => edge.node.id)).toEqual([bothId]);
      expect(tenantB.data?.feeds.edges[0]?.node.targets).toEqual([{ tenantId: b.tenantId, groupId: null }]);
      expect(tenantB.data?.feeds.edges[0]?.node.delivery.targetedFirewalls).toBe(2);

      const hidden = await api.graphql(FEED, { id: onlyAId }, b.readerKey);
      expect(hidden.errors?.[0]?.extensions?.code).toBe('FEED_NOT_FOUND');
      const shown = await api.graphql<{ feed: { id: string } }>(FEED, { id: bothId }, b.readerKey);
      expect(shown.data?.feed.id).toBe(bothId);

      const otherAnalyst = await api.graphql<Listed>(FEEDS, { first: 10 }, b.analystKey);
      expect(otherAnalyst.data?.feeds.edges).toEqual([]);

      const byAuditId = await api.graphql<Listed>(
        FEEDS,
        { auditId: (onlyA.body as Accepted).auditId.toLowerCase() },
        a.analystKey,
      );
      expect(byAuditId.data?.feeds.edges.map((edge) => edge.node.id)).toEqual([onlyAId]);
    });

    it('pages through feeds, newest first', async () => {
      const tenant = await makeServedTenant(api.prisma);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await pushFeed(api, tenant.analystKey, {
          tenantIds: [tenant.tenantId],
          indicators: [{ value: `page${i}.example` }],
        });
        ids.unshift((response.body as Accepted).feedId);
      }
      const PAGE = `query($after: String) { feeds(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
      type Page = {
        feeds: {
          edges: { node: { id: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const page: GraphqlResponse<Page> = await api.graphql<Page>(PAGE, { after }, tenant.analystKey);
        const feeds: Page['feeds'] = page.data!.feeds;
        seen.push(...feeds.edges.map((edge) => edge.node.id));
        after = feeds.pageInfo.hasNextPage ? feeds.pageInfo.endCursor : null;
      } while (after !== null);
      expect(seen).toEqual(ids);
    });
  });

  describe('X-Ops', () => {
    it('loads the URLhaus list onto the global stream and revokes it', async () => {
      const operator = (await makeApiKey(api.prisma, ApiKeyRole.OPERATOR)).secret;
      const text = readFileSync(URLHAUS, 'utf8');
      const expected = new Set<string>();
      for (const line of text.split('\n')) {
        const parsed = parseBlocklistLine(line);
        if (parsed?.ok) expected.add(`${parsed.type}:${parsed.normalized}`);
      }
      const response = await api.http
        .post('/api/v1/xops/imports?description=URLhaus%20online')
        .set('Authorization', `Bearer ${operator}`)
        .set('Content-Type', 'text/plain')
        .send(text);
      expect(response.status).toBe(202);
      const accepted = response.body as Accepted;
      expect(accepted.auditId).toMatch(/^XOPS-\d{8}-/);
      expect(accepted.accepted).toBe(expected.size);
      expect(accepted.rejected).toEqual([]);
      await feedStatus(api, accepted.feedId, 'PUBLISHED', 60_000);
      const entries = await streamEntries(api, XOPS_STREAM_ID);
      expect(new Set(entries.keys())).toEqual(expected);
      expect([...entries.values()].every((entry) => entry.auditId === accepted.auditId)).toBe(true);

      const view = await api.http
        .get(`/api/v1/xops/imports/${accepted.feedId}`)
        .set('Authorization', `Bearer ${operator}`);
      expect(view.body).toMatchObject({
        source: 'XOPS',
        description: 'URLhaus online',
        indicatorCount: expected.size,
      });
      const revoke = await api.http
        .delete(`/api/v1/xops/imports/${accepted.feedId}`)
        .set('Authorization', `Bearer ${operator}`);
      expect(revoke.status).toBe(202);
      await feedStatus(api, accepted.feedId, 'REVOKED', 60_000);
      expect((await streamEntries(api, XOPS_STREAM_ID)).size).toBe(0);
    });

    it('answers rejected lines of an import by line index', async () => {
      const operator = (await makeApiKey(api.prisma, ApiKeyRole.OPERATOR)).secret;
      const response = await api.http
        .post('/api/v1/xops/imports')
        .set('Authorization', `Bearer ${operator}`)
        .set('Content-Type', 'text/plain')
        .send('! comment\nxops-a.example\n@@||good.example^\n||xops-b.example^$all\n');
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({
        accepted: 2,
        rejected: [{ index: 2, value: '@@||good.example^', code: 'BLOCKLIST_RULE_UNSUPPORTED' }],
      });
      const feedId = (response.body as Accepted).feedId;
      await feedStatus(api, feedId, 'PUBLISHED');
      await api.http.delete(`/api/v1/xops/imports/${feedId}`).set('Authorization', `Bearer ${operator}`);
      await feedStatus(api, feedId, 'REVOKED');
    });

    it('refuses a body that is not text', async () => {
      const operator = (await makeApiKey(api.prisma, ApiKeyRole.OPERATOR)).secret;
      const response = await api.http
        .post('/api/v1/xops/imports')
        .set('Authorization', `Bearer ${operator}`)
        .send({ lines: ['a.example'] });
      expect(response.status).toBe(400);
    });
  });
});
