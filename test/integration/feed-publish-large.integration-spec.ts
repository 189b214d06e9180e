import type { AgentClient } from '@threatline/agent-client';
import { FeedsWorkerModule } from '@threatline/feeds';
import { GatewayModule } from '@threatline/gateway';
import { createTestApi, TestApi } from '@threatline/http/testing';
import { mdrTenantStreamId } from '@threatline/protocol';
import { StreamReader } from '@threatline/streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectConverged, startAgent, TEST_GATEWAY_OPTIONS } from '../support/agent-stream';
import { makeFirewall } from '../support/factories';
import { feedStatus, makeServedTenant, pushFeed, streamEntries, type Accepted } from '../support/feeds';

const LIMIT = 100_000;

/** `count` distinct indicators of every kind: domains, IPv4 addresses and URLs. */
function indicators(count: number, salt: number): { value: string }[] {
  return Array.from({ length: count }, (_, i) => {
    switch (i % 3) {
      case 0:
        return { value: `host-${i}.s${salt}.example` };
      case 1:
        return { value: `10.${salt}.${(i >> 8) & 255}.${i & 255}` };
      default:
        return { value: `dl-${i % 997}.s${salt}.example/payload/${i}.bin` };
    }
  });
}

/**
 * A push at the contract's limit (100,000 indicators) goes all the way: published onto the tenant's stream in one
 * job, delivered to a real agent client, whose state converges with the server's checksum; then revoked, and the
 * agent converges on the empty stream. Each step has to finish in seconds, not minutes.
 */
describe('a 100,000-indicator push', () => {
  let api: TestApi;
  let agent: AgentClient | undefined;

  beforeAll(async () => {
    api = await createTestApi({
      imports: [
        FeedsWorkerModule.forRoot({ sweepIntervalMs: 250, sweepAfterMs: 1000 }),
        GatewayModule.forRoot(TEST_GATEWAY_OPTIONS),
      ],
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await api?.close();
  });

  it('is published, reaches an agent with equal checksums, and is revoked from it', async () => {
    const tenant = await makeServedTenant(api.prisma);
    const firewall = await makeFirewall(api.prisma, tenant.tenantId, tenant.groupId);
    const identity = { tenantId: tenant.tenantId, groupId: tenant.groupId, firewallId: firewall.id };
    const reader = api.app.get(StreamReader);
    const streamId = mdrTenantStreamId(tenant.tenantId);
    agent = startAgent(`${api.url.replace('http', 'ws')}/agent/v1`, firewall.credential);
    await expectConverged(reader, agent, identity);

    const began = Date.now();
    const response = await pushFeed(api, tenant.analystKey, {
      tenantIds: [tenant.tenantId],
      indicators: indicators(LIMIT, 1),
    });
    expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(202);
    const feed = response.body as Accepted;
    expect(feed.accepted).toBe(LIMIT);
    await feedStatus(api, feed.feedId, 'PUBLISHED', 30_000);
    const publishedMs = Date.now() - began;
    await expectConverged(reader, agent, identity, 30_000);
    expect(agent.state.stream(streamId)?.entries.size).toBe(LIMIT);
    const entries = await streamEntries(api, streamId);
    expect(entries.size).toBe(LIMIT);
    expect([...entries.values()].every((entry) => entry.auditId === feed.auditId)).toBe(true);
    expect(await api.prisma.streamDelta.count({ where: { streamId } })).toBe(LIMIT);

    const revokedAt = Date.now();
    const revoke = await api.http
      .delete(`/api/v1/feeds/${feed.feedId}`)
      .set('Authorization', `Bearer ${tenant.analystKey}`);
    expect(revoke.status).toBe(202);
    await feedStatus(api, feed.feedId, 'REVOKED', 30_000);
    const revokedMs = Date.now() - revokedAt;
    await expectConverged(reader, agent, identity, 30_000);
    expect(agent.state.stream(streamId)?.entries.size).toBe(0);
    expect(await api.prisma.streamDelta.count({ where: { streamId } })).toBe(2 * LIMIT);
    console.log(`100k push: published ${publishedMs} ms after the request; revoked in ${revokedMs} ms`);
  }, 120_000);
});
