import { EventsNotAcceptedError, type AgentClient } from '@threatline/agent-client';
import { ApiKeyRole } from '@threatline/db';
import type { TestDatabase } from '@threatline/db/testing';
import { QUEUES } from '@threatline/messaging';
import { ReportingWorkerModule } from '@threatline/reporting';
import {
  createReportingContext,
  makeThreatEvents,
  type ReportingContext,
} from '@threatline/reporting/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startAgent, startStreamCluster, type StreamCluster } from '../support/agent-stream';
import { makeApiKey, makeFirewall, makeGroup, makeTenant } from '../support/factories';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';

/**
 * Event upload through the gateway (contract section 6, issue 6), with a real agent client, PostgreSQL and a Redis
 * of the test's own (so it can be stopped): a batch is acknowledged only once it is a job in Redis, the worker then
 * stores it under the firewall of the connection, each event once; a bad event refuses its batch; central
 * reporting off stores nothing; Redis unreachable is "retry later", never an ack.
 */
describe('agent stream: event batches', () => {
  let redis: OwnRedis;
  let cluster: StreamCluster;
  let worker: ReportingContext | undefined;
  let tenantId: string;
  let groupId: string;
  let adminKey: string;
  const clients: AgentClient[] = [];

  async function connectedAgent(options: { centralReporting?: boolean } = {}) {
    const made = await makeFirewall(cluster.prisma, tenantId, groupId);
    if (options.centralReporting === false) {
      await cluster.prisma.firewallSettings.update({
        where: { firewallId: made.id },
        data: { centralReporting: false },
      });
    }
    const client = startAgent(cluster.nodes[0]!.streamUrl, made.credential);
    clients.push(client);
    await new Promise((resolve) => client.once('connected', resolve));
    return { firewallId: made.id, client };
  }

  /** A worker process's reporting jobs on the same database and queues. */
  async function startWorker(): Promise<void> {
    const database: TestDatabase = {
      url: cluster.databaseUrl,
      prisma: cluster.prisma,
      dispose: async () => {},
    };
    worker = await createReportingContext({
      imports: [ReportingWorkerModule.forRoot()],
      database,
      redisUrl: redis.url,
      queuePrefix: cluster.queuePrefix,
    });
  }

  async function stopWorker(): Promise<void> {
    await worker?.close();
    worker = undefined;
  }

  async function storedRows(ids: readonly string[]): Promise<{ id: string; firewallId: string }[]> {
    return cluster.prisma.$queryRaw<{ id: string; firewallId: string }[]>`
      SELECT id::text, firewall_id::text AS "firewallId" FROM threat_event WHERE id = ANY(${[...ids]}::uuid[])`;
  }

  async function queuedJobs(): Promise<number> {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      return (await client.keys(`${cluster.queuePrefix}:${QUEUES.threatEventIngest.name}:events-*`)).length;
    } finally {
      client.disconnect();
    }
  }

  async function graphqlAuditIds(auditId: string): Promise<string[]> {
    const response = await fetch(`${cluster.nodes[0]!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({
        query:
          'query($a: String!) { threatEvents(filter: { auditId: $a }, first: 100) { edges { node { id } } } }',
        variables: { a: auditId },
      }),
    });
    const body = (await response.json()) as {
      data?: { threatEvents: { edges: { node: { id: string } }[] } };
      errors?: unknown[];
    };
    expect(body.errors).toBeUndefined();
    return body.data!.threatEvents.edges.map((edge) => edge.node.id);
  }

  function refusal(promise: Promise<void>): Promise<EventsNotAcceptedError> {
    return promise.then(
      () => {
        throw new Error('expected the batch to be refused');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(EventsNotAcceptedError);
        return error as EventsNotAcceptedError;
      },
    );
  }

  beforeAll(async () => {
    redis = await startOwnRedis();
    cluster = await startStreamCluster({
      env: { REDIS_URL: redis.url },
      gateway: { maxEventBatchesPerConnection: 1, eventAcceptTimeoutMs: 1000 },
    });
    tenantId = (await makeTenant(cluster.prisma)).id;
    groupId = (await makeGroup(cluster.prisma, tenantId)).id;
    adminKey = (await makeApiKey(cluster.prisma, ApiKeyRole.FLEET_ADMIN, { tenantId })).secret;
  }, 60_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.stop()));
    await stopWorker();
  });

  afterAll(async () => {
    await cluster?.close();
    await redis?.dispose();
  });

  it('acks a batch once it is a job in Redis; the worker then stores it, queryable by audit ID', async () => {
    const { firewallId, client } = await connectedAgent();
    const auditId = `MDR-${randomUUID().slice(0, 8)}`;
    const events = makeThreatEvents(50, () => ({ auditId }));
    // No worker yet: the ack means durable in Redis, not stored.
    await client.sendEvents(randomUUID(), events);
    expect(await queuedJobs()).toBeGreaterThan(0);
    expect(await storedRows(events.map((event) => event.id))).toEqual([]);

    await startWorker();
    await eventually(
      async () => (await storedRows(events.map((e) => e.id))).length === 50,
      'the batch stored',
    );
    expect(new Set((await storedRows(events.map((e) => e.id))).map((row) => row.firewallId))).toEqual(
      new Set([firewallId]),
    );
    expect((await graphqlAuditIds(auditId)).sort()).toEqual(events.map((event) => event.id).sort());
  });

  it('stores each event of a batch sent twice once', async () => {
    const { client } = await connectedAgent();
    const events = makeThreatEvents(20);
    const batchId = randomUUID();
    await client.sendEvents(batchId, events);
    await client.sendEvents(batchId, events);
    // The same events under another batch id (an agent that lost its spool index) are still stored once.
    await client.sendEvents(randomUUID(), events);
    await startWorker();
    await eventually(
      async () => (await storedRows(events.map((e) => e.id))).length >= 20,
      'the batch stored',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = await storedRows(events.map((e) => e.id));
    expect(rows).toHaveLength(20);
  });

  it('refuses a batch with an invalid event, says why, and stores nothing of it', async () => {
    const { client } = await connectedAgent();
    const events = makeThreatEvents(5);
    const bad = [...events.slice(0, 4), { ...events[4]!, occurredAt: 'yesterday' }];
    const batchId = randomUUID();
    const error = await refusal(client.sendEvents(batchId, bad));
    expect(error.code).toBe('events_invalid');
    expect(error.batchId).toBe(batchId);
    expect(error.message).toContain('events[4].occurredAt');
    // The connection stays, and the next batch is taken.
    const good = makeThreatEvents(3);
    await client.sendEvents(randomUUID(), good);
    await startWorker();
    await eventually(async () => (await storedRows(good.map((e) => e.id))).length === 3, 'the good batch');
    expect(await storedRows(events.map((e) => e.id))).toEqual([]);
  });

  it('with central reporting off, acknowledges a batch and neither queues nor stores it', async () => {
    const { client } = await connectedAgent({ centralReporting: false });
    const before = await queuedJobs();
    const events = makeThreatEvents(10);
    await client.sendEvents(randomUUID(), events);
    expect(await queuedJobs()).toBe(before);
    await startWorker();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await storedRows(events.map((e) => e.id))).toEqual([]);
  });

  it('stores events under the firewall of the connection, whatever the message claims', async () => {
    const { firewallId, client } = await connectedAgent();
    const other = await makeFirewall(cluster.prisma, tenantId, groupId);
    const events = makeThreatEvents(5).map((event) => ({
      ...event,
      firewallId: other.id,
      tenantId: randomUUID(),
    }));
    await client.sendEvents(randomUUID(), events);
    await startWorker();
    await eventually(
      async () => (await storedRows(events.map((e) => e.id))).length === 5,
      'the batch stored',
    );
    const rows = await storedRows(events.map((e) => e.id));
    expect(rows.every((row) => row.firewallId === firewallId)).toBe(true);
  });

  it('never acks while Redis is unreachable: retry later (also when too many batches are in flight), then stored', async () => {
    const { client } = await connectedAgent();
    const first = makeThreatEvents(10);
    const second = makeThreatEvents(10);
    const [firstId, secondId] = [randomUUID(), randomUUID()];
    await redis.kill();
    try {
      const pending = refusal(client.sendEvents(firstId, first));
      // One batch in flight per connection here: the second is turned away at once.
      const busy = await refusal(client.sendEvents(secondId, second));
      expect(busy.code).toBe('events_retry_later');
      expect(busy.message).toMatch(/too many batches in flight/);
      const timedOut = await pending;
      expect(timedOut.code).toBe('events_retry_later');
      expect(timedOut.message).toMatch(/not stored in time/);
      // Still hanging on Redis: its slot stays taken.
      expect((await refusal(client.sendEvents(secondId, second))).code).toBe('events_retry_later');
    } finally {
      await redis.start();
    }
    // The agent sends both again once Redis is back: both acknowledged (the in-flight enqueue settles first).
    await eventually(
      () =>
        client.sendEvents(firstId, first).then(
          () => true,
          () => false,
        ),
      'the first batch acknowledged',
      20_000,
    );
    await client.sendEvents(secondId, second);
    await startWorker();
    const ids = [...first, ...second].map((event) => event.id);
    await eventually(async () => (await storedRows(ids)).length === 20, 'both batches stored', 20_000);
  }, 60_000);
});
