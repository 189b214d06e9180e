import { ApiKeyRole } from '@threatline/db';
import { createTestDatabase, type TestDatabase } from '@threatline/db/testing';
import { TEST_REDIS_URL } from '@threatline/http/testing';
import { mdrTenantStreamId } from '@threatline/protocol';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApiKey, makeGroup, makeProvider, makeTenant } from '../support/factories';
import { freePort, RunningProcess, startNode, waitFor } from '../support/processes';

/**
 * Distributed mode with the API and the worker as separate processes (`npm run start:api`, `npm run
 * start:worker`) on PostgreSQL and Redis: the worker publishes what the API accepted, drains on SIGTERM,
 * and a push accepted while no worker runs waits in the queue and is published once one starts.
 */
const apiEntry = resolve(__dirname, '../../services/api/dist/main.js');
const workerEntry = resolve(__dirname, '../../services/worker/dist/main.js');

describe('the worker process', () => {
  let database: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'threatline-worker-'));
  const queuePrefix = `test-${randomUUID().slice(0, 8)}`;
  const running: RunningProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      MIGRATE_ON_START: 'false',
      SEED_DEMO: '0',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await Promise.all(running.map((process) => process.stop('SIGKILL')));
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await database?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function start(entry: string, extra: Record<string, string> = {}): RunningProcess {
    const process = startNode(entry, { ...env, ...extra });
    running.push(process);
    return process;
  }

  it('publishes what the API accepted, drains on SIGTERM, and catches up after a restart', async () => {
    const port = await freePort();
    const api = start(apiEntry, { PORT: String(port) });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
      60_000,
      `the API:\n${api.output()}`,
    );
    const prisma = database.prisma;
    const tenantId = (await makeTenant(prisma)).id;
    await makeGroup(prisma, tenantId);
    const providerId = (await makeProvider(prisma, [tenantId])).id;
    const analystKey = (await makeApiKey(prisma, ApiKeyRole.MDR_ANALYST, { providerId })).secret;
    const push = async (value: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/feeds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${analystKey}` },
        body: JSON.stringify({ tenantIds: [tenantId], indicators: [{ value }] }),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { feedId: string }).feedId;
    };
    const status = async (feedId: string) =>
      (await prisma.feed.findUniqueOrThrow({ where: { id: feedId }, select: { status: true } })).status;

    const worker = start(workerEntry);
    const first = await push('first.example');
    await waitFor(
      async () => (await status(first)) === 'PUBLISHED',
      60_000,
      `publication:\n${worker.output()}`,
    );
    expect(await worker.stop('SIGTERM')).toBe(0);

    const second = await push('second.example');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await status(second)).toBe('PENDING');
    const restarted = start(workerEntry);
    await waitFor(
      async () => (await status(second)) === 'PUBLISHED',
      60_000,
      `catch-up:\n${restarted.output()}`,
    );
    const keys = await prisma.streamEntry.findMany({ where: { streamId: mdrTenantStreamId(tenantId) } });
    expect(keys.map((row) => row.key).sort()).toEqual(['domain:first.example', 'domain:second.example']);
    expect(await restarted.stop('SIGTERM')).toBe(0);
  }, 180_000);

  it('refuses to start in embedded mode, where the standalone process runs the jobs', async () => {
    const worker = startNode(workerEntry, { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    const code = await new Promise<number | null>((resolve) => {
      if (worker.child.exitCode !== null) resolve(worker.child.exitCode);
      else worker.child.once('exit', resolve);
    });
    expect(code).toBe(1);
    expect(worker.output()).toContain('DATABASE_URL and REDIS_URL');
  });
});
