import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedLeases, FeedPublisherService, FeedsWorkerModule } from '@threatline/feeds';
import { createTestApi, TestApi } from '@threatline/http/testing';
import { mdrTenantStreamId } from '@threatline/protocol';
import { feedStatus, makeServedTenant, streamEntries, streamHead } from '../support/feeds';

const LEASE_MS = 1500;

/**
 * One job at a time per feed: concurrent publishers of one feed write each entry once with gapless seqs; the
 * sweeper leaves a feed alone while a job holds its lease (renewed while the job works), and re-publishes the
 * feed of a worker that died once its lease expired.
 */
describe('feed publication lease', () => {
  let api: TestApi;
  let publisher: FeedPublisherService;
  let leases: FeedLeases;

  beforeAll(async () => {
    api = await createTestApi({
      imports: [
        FeedsWorkerModule.forRoot({
          sweepIntervalMs: 200,
          sweepAfterMs: 300,
          expireIntervalMs: 60_000,
          leaseMs: LEASE_MS,
        }),
      ],
    });
    publisher = api.app.get(FeedPublisherService);
    leases = api.app.get(FeedLeases);
  });

  afterAll(async () => {
    await api?.close();
  });

  /** A PENDING feed stored without a job, as when the API process died between the commit and the enqueue. */
  async function storedWithoutJob(count: number) {
    const tenant = await makeServedTenant(api.prisma);
    const feed = await api.prisma.feed.create({
      data: {
        auditId: `MDR-20261123-${randomUUID()
          .replace(/[^0-9]/g, '')
          .slice(0, 8)}`,
        source: 'MDR',
        providerId: tenant.providerId,
        status: 'PENDING',
        targets: { create: [{ tenantId: tenant.tenantId }] },
        indicators: {
          create: Array.from({ length: count }, (_, i) => ({
            type: 'domain' as const,
            value: `l${i}.example`,
          })),
        },
      },
    });
    return { feedId: feed.id, streamId: mdrTenantStreamId(tenant.tenantId) };
  }

  async function expectPublishedOnce(streamId: string, count: number): Promise<void> {
    const deltas = await api.prisma.streamDelta.findMany({ where: { streamId }, orderBy: { seq: 'asc' } });
    expect(deltas.map((delta) => Number(delta.seq))).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(new Set(deltas.map((delta) => delta.key)).size).toBe(count);
    expect(deltas.every((delta) => delta.op === 'upsert')).toBe(true);
    expect((await streamEntries(api, streamId)).size).toBe(count);
    expect(await streamHead(api, streamId)).toEqual({ head: count, deltas: count });
  }

  it('publishes each entry once, with gapless seqs, when several publishers run the same feed at once', async () => {
    const { feedId, streamId } = await storedWithoutJob(3000);
    await Promise.all([1, 2, 3, 4].map(() => publisher.publish(feedId)));
    await feedStatus(api, feedId, 'PUBLISHED');
    await expectPublishedOnce(streamId, 3000);
    expect(await api.prisma.feedLease.count({ where: { feedId } })).toBe(0);
  });

  it("leaves a feed alone while a live lease holds it, and publishes it once a dead worker's lease expired", async () => {
    const { feedId, streamId } = await storedWithoutJob(500);
    // The lease of a worker that was SIGKILLed mid-job: nobody renews it.
    await api.prisma.$executeRaw`
      INSERT INTO feed_lease (feed_id, holder, expires_at)
      VALUES (${feedId}::uuid, 'dead-worker', now() + ${2 * LEASE_MS} * interval '1 millisecond')`;
    await publisher.publish(feedId);
    // Several sweeps pass (every 200 ms, for feeds older than 300 ms) while the lease is live.
    await sleep(LEASE_MS);
    expect((await api.prisma.feed.findUniqueOrThrow({ where: { id: feedId } })).status).toBe('PENDING');
    expect(await api.prisma.streamDelta.count({ where: { streamId } })).toBe(0);

    await feedStatus(api, feedId, 'PUBLISHED', 10_000);
    await expectPublishedOnce(streamId, 500);
    expect(await api.prisma.feedLease.count({ where: { feedId } })).toBe(0);
  });

  it('keeps a lease past its duration while its holder works (heartbeat), and refuses it to others', async () => {
    const { feedId } = await storedWithoutJob(1);
    let lost: boolean | undefined;
    let secondRan = false;
    const held = await leases.run(feedId, async (lease) => {
      await sleep(2 * LEASE_MS);
      secondRan = await leases.run(feedId, async () => {});
      lost = lease.lost;
    });
    expect({ held, secondRan, lost }).toEqual({ held: true, secondRan: false, lost: false });
    // Released: the next job takes it at once.
    expect(await leases.run(feedId, async () => {})).toBe(true);
  });
});
