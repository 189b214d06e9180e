import { Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AgentClient, type AgentClientOptions } from '@threatline/agent-client';
import { loadConfig } from '@threatline/config';
import { PrismaService, type PrismaClient } from '@threatline/db';
import { createTestDatabase, type TestDatabase } from '@threatline/db/testing';
import { GatewayModule, type GatewayOptions } from '@threatline/gateway';
import { ApiModule, createApp, type RootModule } from '@threatline/http';
import { freePort, testConfigEnv } from '@threatline/http/testing';
import { deleteRedisKeys } from '@threatline/messaging/testing';
import { streamsOfFirewall, type StreamId } from '@threatline/protocol';
import { StreamReader, StreamWriter, type AppliedChanges, type StreamChange } from '@threatline/streams';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { startNode, waitFor, type RunningProcess } from './processes';

const STREAM_ENTRY = resolve(__dirname, '../../services/stream/dist/main.js');

/** Timings short enough for tests; limits as in production unless a test says otherwise. */
export const TEST_GATEWAY_OPTIONS: Partial<GatewayOptions> = {
  pingIntervalMs: 1000,
  helloTimeoutMs: 2000,
  headCheckIntervalMs: 500,
  reconcileIntervalMs: 1000,
  closeGraceMs: 500,
};

/** One API + gateway application, listening on its own port. */
export interface GatewayNode {
  app: NestExpressApplication;
  url: string;
  streamUrl: string;
  close(): Promise<void>;
}

/**
 * Gateway applications sharing one fresh PostgreSQL database and one Redis key prefix, as
 * several gateway processes behind one address would (each also serves the API).
 */
export interface StreamCluster {
  nodes: GatewayNode[];
  prisma: PrismaClient;
  databaseUrl: string;
  queuePrefix: string;
  /** Starts one more node on the same database and bus. */
  addNode(gateway?: Partial<GatewayOptions>): Promise<GatewayNode>;
  /** Starts the built services/stream as a process of its own on the same database and bus (to kill it). */
  startGatewayProcess(env?: Record<string, string>): Promise<{ process: RunningProcess; streamUrl: string }>;
  /** Applies changes to a stream in one transaction and announces them, as the domain writers do. */
  append(streamId: StreamId, changes: readonly StreamChange[]): Promise<AppliedChanges>;
  reader(): StreamReader;
  close(): Promise<void>;
}

export async function startStreamCluster(
  options: { nodes?: number; gateway?: Partial<GatewayOptions>; env?: Record<string, string> } = {},
): Promise<StreamCluster> {
  const database: TestDatabase = await createTestDatabase();
  const queuePrefix = `test-${randomUUID().slice(0, 8)}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'threatline-stream-'));
  const nodes: GatewayNode[] = [];

  async function addNode(gateway: Partial<GatewayOptions> = options.gateway ?? {}): Promise<GatewayNode> {
    const port = await freePort();
    const config = loadConfig({
      ...testConfigEnv({ port, dataDir, databaseUrl: database.url, queuePrefix }),
      ...options.env,
    });
    const root: RootModule = {
      forRoot: (appConfig) => {
        @Module({})
        class GatewayTestModule {}
        return {
          module: GatewayTestModule,
          imports: [
            ApiModule.forRoot(appConfig),
            GatewayModule.forRoot({ ...TEST_GATEWAY_OPTIONS, ...gateway }),
          ],
        };
      },
    };
    const app = await createApp(root, config);
    await app.listen(port, '127.0.0.1');
    let closed = false;
    const node: GatewayNode = {
      app,
      url: `http://127.0.0.1:${port}`,
      streamUrl: `ws://127.0.0.1:${port}/agent/v1`,
      close: async () => {
        if (closed) return;
        closed = true;
        await app.close();
      },
    };
    nodes.push(node);
    return node;
  }

  try {
    for (let i = 0; i < (options.nodes ?? 1); i++) await addNode();
  } catch (error) {
    for (const node of nodes) await node.close();
    await database.dispose();
    throw error;
  }

  const first = (): NestExpressApplication => {
    const node = nodes[0];
    if (!node) throw new Error('the cluster has no node');
    return node.app;
  };

  async function startGatewayProcess(env: Record<string, string> = {}) {
    expect(existsSync(STREAM_ENTRY), 'services/stream must be built (npm run build)').toBe(true);
    const port = await freePort();
    const process = startNode(STREAM_ENTRY, {
      ...testConfigEnv({ port, dataDir, databaseUrl: database.url, queuePrefix }),
      LOG_LEVEL: 'warn',
      ...env,
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
      60_000,
      `services/stream to be ready:\n${process.output()}`,
    );
    return { process, streamUrl: `ws://127.0.0.1:${port}/agent/v1` };
  }

  return {
    nodes,
    prisma: database.prisma,
    databaseUrl: database.url,
    queuePrefix,
    addNode,
    startGatewayProcess,
    reader: () => first().get(StreamReader),
    async append(streamId, changes) {
      const writer = first().get(StreamWriter);
      const prisma = first().get(PrismaService);
      const applied = await prisma.$transaction((tx) => writer.apply(tx, streamId, changes));
      await writer.notify([applied]);
      return applied;
    },
    async close() {
      for (const node of nodes) await node.close();
      await deleteRedisKeys(`${queuePrefix}:*`);
      await rm(dataDir, { recursive: true, force: true });
      await database.dispose();
    },
  };
}

/** An agent client with test-sized backoff, started; stop it (or let the test's cleanup do it). */
export function startAgent(
  url: string | readonly string[],
  credential: string,
  options: Partial<AgentClientOptions> = {},
): AgentClient {
  const client = new AgentClient({ url, credential, backoff: { baseMs: 50, capMs: 500 }, ...options });
  client.start();
  return client;
}

/** Polls `probe` every 20 ms until it holds, or fails with `what` after `timeoutMs`. */
export async function eventually(
  probe: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether the client holds exactly the server's position and checksum on every stream of the firewall. */
export async function hasConverged(
  reader: StreamReader,
  client: AgentClient,
  firewall: { tenantId: string; groupId: string; firewallId: string },
): Promise<boolean> {
  for (const streamId of streamsOfFirewall(firewall)) {
    const server = await reader.head(streamId);
    const held = client.state.stream(streamId);
    if (
      !held ||
      held.epoch !== server.epoch ||
      held.seq !== server.head ||
      held.checksum !== server.checksum
    ) {
      return false;
    }
  }
  return client.state.streams().length === streamsOfFirewall(firewall).length;
}

/** Waits until the client converged, then asserts it never saw a gap, a duplicate or a mismatch. */
export async function expectConverged(
  reader: StreamReader,
  client: AgentClient,
  firewall: { tenantId: string; groupId: string; firewallId: string },
  timeoutMs = 10_000,
): Promise<void> {
  await eventually(
    () => hasConverged(reader, client, firewall),
    `agent of ${firewall.firewallId} to converge`,
    timeoutMs,
  );
  expect({
    gaps: client.stats.gaps,
    duplicates: client.stats.duplicates,
    mismatches: client.stats.mismatches,
  }).toEqual({
    gaps: 0,
    duplicates: 0,
    mismatches: 0,
  });
}
