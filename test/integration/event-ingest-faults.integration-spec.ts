import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@threatline/db/testing';
import {
  encodeBatch,
  EventIngestor,
  ReportingIngestModule,
  ReportingWorkerModule,
} from '@threatline/reporting';
import type { ThreatEvent } from '@threatline/protocol';
import { deleteRedisKeys, TEST_REDIS_URL } from '@threatline/messaging/testing';
import {
  createReportingContext,
  makeReportingTenant,
  makeThreatEvents,
  type ReportingContext,
} from '@threatline/reporting/testing';
import { startNode, waitFor, type RunningProcess } from '../support/processes';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';

// Faults on the ingest path: whatever dies, every event the service acknowledged (accept resolved) is stored,
// and stored once. BullMQ hands the jobs of a dead worker to another one once their lock expires (30 s), so
// these tests take about a minute each.

const WORKER_ENTRY = resolve(__dirname, '../../services/worker/dist/main.js');
const RECOVERY_MS = 150_000;

interface Counts {
  rows: number;
  distinct: number;
}

async function storedOf(database: TestDatabase, firewallId: string): Promise<Counts> {
  const [row] = await database.prisma.$queryRaw<Counts[]>`
    SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct
    FROM threat_event WHERE firewall_id = ${firewallId}::uuid`;
  return row ?? { rows: 0, distinct: 0 };
}

async function missingOf(database: TestDatabase, ids: readonly string[]): Promise<number> {
  const [row] = await database.prisma.$queryRaw<{ missing: number }[]>`
    SELECT count(*)::int AS missing FROM unnest(${ids}::uuid[]) AS acked(id)
    WHERE NOT EXISTS (SELECT 1 FROM threat_event e WHERE e.id = acked.id)`;
  return row?.missing ?? ids.length;
}

describe('a worker killed mid-batch (SIGKILL)', () => {
  let database: TestDatabase;
  let gateway: ReportingContext;
  const workers: RunningProcess[] = [];
  const prefix = `test-${randomUUID().slice(0, 8)}`;

  function startWorker(): RunningProcess {
    const worker = startNode(WORKER_ENTRY, {
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
    });
    workers.push(worker);
    return worker;
  }

  beforeAll(async () => {
    expect(existsSync(WORKER_ENTRY), `${WORKER_ENTRY} is missing: build first (npm run build)`).toBe(true);
    database = await createTestDatabase();
    // The gateway's side: the ingestor only (no worker in this process).
    gateway = await createReportingContext({
      imports: [ReportingIngestModule],
      database,
      queuePrefix: prefix,
    });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await gateway?.close();
    await deleteRedisKeys(`${prefix}:*`);
    await database?.dispose();
  });

  it('leaves every acknowledged event stored exactly once after another worker takes over', async () => {
    const { firewallId } = await makeReportingTenant(database.prisma);
    const ingestor = gateway.app.get(EventIngestor);
    const batches = Array.from({ length: 60 }, () => makeThreatEvents(1000));
    for (const events of batches) await ingestor.accept(firewallId, encodeBatch(randomUUID(), events));
    const total = batches.length * 1000;

    const first = startWorker();
    await waitFor(
      async () => (await storedOf(database, firewallId)).rows >= 15_000,
      60_000,
      'the first batches',
    );
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const active = await redis.llen(`${prefix}:threat-event-ingest:active`);
      await first.stop('SIGKILL');
      const atKill = await storedOf(database, firewallId);
      // Killed while it held jobs, with work left: a real mid-ingest death.
      expect(active).toBeGreaterThan(0);
      expect(atKill.rows).toBeLessThan(total);
    } finally {
      redis.disconnect();
    }

    startWorker();
    await waitFor(
      async () => (await storedOf(database, firewallId)).rows >= total,
      RECOVERY_MS,
      'every event',
    );
    expect(await storedOf(database, firewallId)).toEqual({ rows: total, distinct: total });
    const ids = batches.flat().map((event) => event.id);
    expect(await missingOf(database, ids)).toBe(0);
  }, 240_000);
});

describe('Redis restarted mid-ingest', () => {
  let redis: OwnRedis;
  let context: ReportingContext;

  beforeAll(async () => {
    redis = await startOwnRedis();
    context = await createReportingContext({
      imports: [ReportingWorkerModule.forRoot({ ingestConcurrency: 2 })],
      redisUrl: redis.url,
    });
  });
  afterAll(async () => {
    await context?.close();
    await redis?.dispose();
  });

  it('stores every event acknowledged before, during and after the outage exactly once', async () => {
    const { firewallId } = await makeReportingTenant(context.prisma);
    const ingestor = context.app.get(EventIngestor);
    const acknowledged: ThreatEvent[] = [];
    const batches = Array.from({ length: 60 }, () => makeThreatEvents(1000));
    let restarted: Promise<void> = Promise.resolve();
    for (const [i, events] of batches.entries()) {
      if (i === 20) {
        // Killed while the worker is still storing the first batches; back a second later. The next accepts
        // wait for it (they resolve only once Redis has the job).
        expect((await storedOf(context.database!, firewallId)).rows).toBeLessThan(acknowledged.length);
        await redis.kill();
        restarted = new Promise((done) => setTimeout(done, 1000)).then(() => redis.start());
      }
      const accepting = ingestor
        .accept(firewallId, encodeBatch(randomUUID(), events))
        .then(() => acknowledged.push(...events));
      if (i === 20) await Promise.all([accepting, restarted]);
      else await accepting;
    }
    expect(acknowledged).toHaveLength(60_000);
    const database = context.database!;
    await waitFor(
      async () => (await storedOf(database, firewallId)).rows >= acknowledged.length,
      RECOVERY_MS,
      'every acknowledged event',
    );
    expect(await storedOf(database, firewallId)).toEqual({ rows: 60_000, distinct: 60_000 });
    expect(
      await missingOf(
        database,
        acknowledged.map((event) => event.id),
      ),
    ).toBe(0);
  }, 240_000);
});
