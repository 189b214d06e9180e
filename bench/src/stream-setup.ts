// Shared setup of the stream benchmarks: a fresh PostgreSQL database, a fleet of firewalls with credentials, an
// MDR analyst key, the service processes (built entry points, as in production) and their clean-up.
import { issueSecret, SecretKind } from '@threatline/auth';
import { ApiKeyRole, type PrismaClient } from '@threatline/db';
import { createTestDatabase, type TestDatabase } from '@threatline/db/testing';
import { freePort } from '@threatline/http/testing';
import { deleteRedisKeys } from '@threatline/messaging/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Clean-ups still owed, run on SIGINT/SIGTERM too: no service process or database outlives an interrupted run. */
const cleanups = new Set<() => Promise<void>>();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    void Promise.allSettled([...cleanups].reverse().map((cleanup) => cleanup())).finally(() =>
      process.exit(130),
    );
  });
}

function owe(cleanup: () => Promise<void>): () => Promise<void> {
  const once = async (): Promise<void> => {
    if (!cleanups.delete(once)) return;
    await cleanup();
  };
  cleanups.add(once);
  return once;
}

export interface BenchFirewall {
  firewallId: string;
  tenantId: string;
  groupId: string;
  credential: string;
}

export interface BenchFleet {
  tenantIds: string[];
  firewalls: BenchFirewall[];
}

/** Tenants with one group each and `perTenant` managed firewalls in it, inserted in bulk. */
export async function makeFleet(
  prisma: PrismaClient,
  tenants: number,
  perTenant: number,
): Promise<BenchFleet> {
  const fleet: BenchFleet = { tenantIds: [], firewalls: [] };
  for (let t = 0; t < tenants; t++) {
    const tenant = await prisma.tenant.create({ data: { name: `bench-tenant-${t}-${randomUUID()}` } });
    const group = await prisma.firewallGroup.create({ data: { tenantId: tenant.id, name: 'bench' } });
    fleet.tenantIds.push(tenant.id);
    const made = Array.from({ length: perTenant }, () => ({
      firewallId: randomUUID(),
      tenantId: tenant.id,
      groupId: group.id,
      secret: issueSecret(SecretKind.FIREWALL_CREDENTIAL),
    }));
    for (let start = 0; start < made.length; start += 5000) {
      const chunk = made.slice(start, start + 5000);
      await prisma.firewall.createMany({
        data: chunk.map((f, i) => ({
          id: f.firewallId,
          tenantId: f.tenantId,
          groupId: f.groupId,
          serial: `BENCH-${t}-${start + i}`,
          status: 'MANAGED' as const,
        })),
      });
      await prisma.firewallCredential.createMany({
        data: chunk.map((f) => ({ firewallId: f.firewallId, secretHash: f.secret.hash })),
      });
      await prisma.firewallSettings.createMany({ data: chunk.map((f) => ({ firewallId: f.firewallId })) });
    }
    fleet.firewalls.push(
      ...made.map((f) => ({
        firewallId: f.firewallId,
        tenantId: f.tenantId,
        groupId: f.groupId,
        credential: f.secret.secret,
      })),
    );
  }
  return fleet;
}

/** An MDR provider serving `tenantIds`, and its analyst's API key. */
export async function makeAnalystKey(prisma: PrismaClient, tenantIds: string[]): Promise<string> {
  const provider = await prisma.mdrProvider.create({
    data: {
      name: `bench-mdr-${randomUUID()}`,
      tenants: { create: tenantIds.map((tenantId) => ({ tenantId })) },
    },
  });
  const issued = issueSecret(SecretKind.API_KEY);
  await prisma.apiKey.create({
    data: {
      name: 'bench analyst',
      role: ApiKeyRole.MDR_ANALYST,
      providerId: provider.id,
      keyHash: issued.hash,
      prefix: issued.prefix,
    },
  });
  return issued.secret;
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  streamUrl: string;
  /** Resident memory of the process now, from /proc. */
  rssBytes(): number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a built service (`standalone` or `stream`) on PostgreSQL and Redis and waits for /readyz. `nodeFlags`: for
 * flags NODE_OPTIONS does not take (V8's --optimize-for-size).
 */
export async function startService(
  service: 'standalone' | 'stream',
  databaseUrl: string,
  queuePrefix: string,
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
): Promise<ServiceProcess> {
  const port = await freePort();
  const entry = resolve(__dirname, `../../services/${service}/dist/main.js`);
  const child = spawn(process.execPath, [...nodeFlags, entry], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      MIGRATE_ON_START: 'false',
      SEED_DEMO: '0',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = owe(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${service} exited during start:\n${output}`);
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${service} did not become ready:\n${output}`);
    }
    await sleep(100);
  }
  return {
    child,
    url,
    streamUrl: `ws://127.0.0.1:${port}/agent/v1`,
    rssBytes: () => rssOf(child.pid!),
    output: () => output,
    stop,
  };
}

/** A fresh database and Redis prefix for one benchmark, and their removal. */
export interface BenchEnvironment {
  database: TestDatabase;
  queuePrefix: string;
  dispose(): Promise<void>;
}

export async function benchEnvironment(): Promise<BenchEnvironment> {
  const database = await createTestDatabase();
  const queuePrefix = `bench-${randomUUID().slice(0, 8)}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'threatline-bench-'));
  return {
    database,
    queuePrefix,
    dispose: owe(async () => {
      await deleteRedisKeys(`${queuePrefix}:*`, REDIS_URL);
      await rm(dataDir, { recursive: true, force: true });
      await database.dispose();
    }),
  };
}

/** POST /api/v1/feeds as the analyst; resolves with the 202 body and the moment it arrived. */
export async function pushFeed(
  apiUrl: string,
  analystKey: string,
  tenantIds: string[],
  values: string[],
): Promise<{ at: number; feedId: string; accepted: number }> {
  const response = await fetch(`${apiUrl}/api/v1/feeds`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${analystKey}` },
    body: JSON.stringify({ tenantIds, indicators: values.map((value) => ({ value })) }),
  });
  const at = wallClock();
  if (response.status !== 202) throw new Error(`push answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { feedId: string; accepted: number };
  return { at, feedId: body.feedId, accepted: body.accepted };
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes of this machine. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

/** The soft limit on open files of this process (each socket is one). */
export function openFileLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  return Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? 1024);
}
