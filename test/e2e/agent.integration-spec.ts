import { createTestDatabase, type TestDatabase } from '@threatline/db/testing';
import { TEST_REDIS_URL } from '@threatline/http/testing';
import { Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNode, waitFor, type RunningProcess } from '../support/processes';

/**
 * The firewall agent against the real service (the standalone process), through its CLI and its decision API:
 * enroll, run, pushes, settings, exclusions, revocation, deregistration, a service outage, and kills in the
 * middle of a large snapshot and of deltas, on embedded PostgreSQL; the main scenario again on PostgreSQL and
 * Redis.
 */
const standaloneEntry = resolve(__dirname, '../../services/standalone/dist/main.js');
const agentBin = resolve(__dirname, '../../services/agent/bin/threatline-agent');

interface Demo {
  tenantId: string;
  groupId: string;
  adminApiKey: string;
  analystApiKey: string;
  enrollmentToken: string;
}

interface Decision {
  action: string;
  matches: { source: string; field: string; indicator: string; auditId: string; action: string }[];
  excludedBy?: { type: string; value: string };
}

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Runs the CLI to completion. */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [agentBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

/** One agent process (`threatline-agent run`), without nftables: this test runs in the host's namespace. */
class Agent {
  private child: ChildProcess | undefined;
  private exit: Promise<number | null> = Promise.resolve(null);
  private log = '';
  base = '';

  constructor(readonly stateDir: string) {}

  async start(): Promise<void> {
    const port = await freePort();
    this.child = spawn(
      process.execPath,
      [agentBin, 'run', '--state-dir', this.stateDir, '--listen', `127.0.0.1:${port}`, '--no-nftables'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const child = this.child;
    child.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await fetch(`${this.base}/healthz`)).ok,
      30_000,
      `the agent to serve:\n${this.log}`,
    );
  }

  output(): string {
    return this.log;
  }

  /** Resolves with the exit status when the process ends by itself. */
  exited(): Promise<number | null> {
    return this.exit;
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
    return this.exit;
  }

  async check(traffic: Record<string, unknown>): Promise<Decision> {
    const response = await fetch(`${this.base}/v1/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ direction: 'outbound', srcIp: '10.0.0.5', dstIp: '192.0.2.1', ...traffic }),
    });
    return (await response.json()) as Decision;
  }

  /** Polls until the decision has `action`; returns how long that took. */
  async until(traffic: Record<string, unknown>, action: string, timeoutMs = 5000): Promise<number> {
    const started = Date.now();
    await waitFor(
      async () => (await this.check(traffic)).action === action,
      timeoutMs,
      `${action} for ${JSON.stringify(traffic)}:\n${this.log}`,
    );
    return Date.now() - started;
  }

  async status(): Promise<AgentStatus> {
    const result = await cli(['status', '--state-dir', this.stateDir, '--json']);
    return JSON.parse(result.stdout) as AgentStatus;
  }
}

interface CentralEvent {
  id: string;
  auditId: string;
  action: string;
  firewallId: string;
  feed: { auditId: string } | null;
  endpoint: { host: string | null; user: string | null; process: string | null } | null;
}

/** The events of the agent's local log (local reporting). */
function localEvents(agent: Agent): Record<string, unknown>[] {
  return readFileSync(join(agent.stateDir, 'events', 'local.log'), 'utf8')
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

interface AgentStatus {
  connection: { state: string; firewallId: string | null } | null;
  streams: { stream: string; seq: number; checksumMatch: boolean }[];
  events: { spooled: number; dropped: number; inFlight: number };
}

function agentSuite(mode: 'embedded' | 'distributed'): void {
  const dataDir = tempDir('threatline-agent-e2e-');
  const queuePrefix = `agent-e2e-${randomUUID().slice(0, 8)}`;
  let database: TestDatabase | undefined;
  let environment: Record<string, string> = {};
  let service: RunningProcess | undefined;
  let port = 0;
  let api = '';
  let demo: Demo;
  const agents: Agent[] = [];

  async function startService(): Promise<void> {
    service = startNode(standaloneEntry, {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...environment,
    });
    await waitFor(async () => (await fetch(`${api}/readyz`)).ok, 90_000, `the service:\n${service.output()}`);
  }

  beforeAll(async () => {
    if (mode === 'distributed') {
      database = await createTestDatabase();
      environment = {
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: queuePrefix,
        MIGRATE_ON_START: 'false',
        SEED_DEMO: '1',
      };
    }
    port = await freePort();
    api = `http://127.0.0.1:${port}`;
    await startService();
    demo = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as Demo;
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop('SIGKILL');
    await service?.stop('SIGKILL');
    if (mode === 'distributed') {
      const redis = new Redis(TEST_REDIS_URL);
      const keys = await redis.keys(`${queuePrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await database?.dispose();
    }
  });

  async function push(
    values: string[],
    extra: Record<string, unknown> = {},
  ): Promise<{ feedId: string; auditId: string }> {
    const response = await fetch(`${api}/api/v1/feeds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.analystApiKey}` },
      body: JSON.stringify({
        tenantIds: [demo.tenantId],
        indicators: values.map((value) => ({ value })),
        ...extra,
      }),
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { feedId: string; auditId: string };
  }

  async function graphql(query: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${api}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.adminApiKey}` },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!;
  }

  /** The events stored centrally for a feed, through GraphQL as a fleet admin sees them. */
  async function centralEvents(auditId: string): Promise<CentralEvent[]> {
    const data = await graphql(
      `{ threatEvents(filter: { auditId: "${auditId}" }, first: 100) { edges { node {
          id auditId action firewallId feed { auditId } endpoint { host user process } } } } }`,
    );
    return (data.threatEvents as { edges: { node: CentralEvent }[] }).edges.map((edge) => edge.node);
  }

  /**
   * Waits until exactly the events of `auditId` in the agent's local log are stored centrally, each once. Both sides
   * are read again on every try: the local log and the upload are each flushed every 200 ms, so right after the
   * last decisions either may be a flush behind the other.
   */
  async function expectStoredCentrally(
    agent: Agent,
    auditId: string,
    firewallId: string,
  ): Promise<CentralEvent[]> {
    const localIds = () =>
      localEvents(agent)
        .filter((event) => event.auditId === auditId)
        .map((event) => event.id as string)
        .sort();
    let central: CentralEvent[] = [];
    await waitFor(
      async () => {
        central = await centralEvents(auditId);
        const local = localIds();
        return (
          local.length > 0 &&
          central
            .map((event) => event.id)
            .sort()
            .join() === local.join()
        );
      },
      15_000,
      `the events of ${auditId} in the local log, each stored centrally once:\n${agent.output().slice(-2000)}`,
    );
    expect(central.every((event) => event.firewallId === firewallId && event.feed?.auditId === auditId)).toBe(
      true,
    );
    return central;
  }

  async function enrolledAgent(serial: string): Promise<{ agent: Agent; firewallId: string }> {
    const stateDir = tempDir('threatline-agent-state-');
    const enrolled = await cli([
      'enroll',
      '--server',
      api,
      '--token',
      demo.enrollmentToken,
      '--state-dir',
      stateDir,
      '--serial',
      serial,
    ]);
    expect(enrolled.stderr, service!.output().slice(-3000)).toBe('');
    expect(enrolled.status).toBe(0);
    const firewallId = /firewall ([0-9a-f-]{36})/.exec(enrolled.stdout)![1]!;
    const agent = new Agent(stateDir);
    agents.push(agent);
    return { agent, firewallId };
  }

  // The CLI-error, outage and kill scenarios run once, on the embedded service.
  if (mode === 'embedded')
    it('explains a wrong token, a wrong server and an unreachable one', async () => {
      const stateDir = tempDir('threatline-agent-bad-');
      const badToken = await cli(['enroll', '--server', api, '--token', 'tle_nope', '--state-dir', stateDir]);
      expect(badToken.status).toBe(4);
      expect(badToken.stderr).toContain('the enrollment token is not valid');
      const wrongServer = await cli([
        'enroll',
        '--server',
        `${api}/somewhere/else`,
        '--token',
        'x',
        '--state-dir',
        stateDir,
      ]);
      expect(wrongServer.status).toBe(5);
      expect(wrongServer.stderr).toContain('does not answer like a Threatline service');
      const unreachable = await cli([
        'enroll',
        '--server',
        `http://127.0.0.1:${await freePort()}`,
        '--token',
        'x',
        '--state-dir',
        stateDir,
      ]);
      expect(unreachable.status).toBe(5);
      expect(unreachable.stderr).toContain('connection refused');
      const usage = await cli(['enroll', '--server', api]);
      expect(usage.status).toBe(2);
      expect(usage.stderr).toContain('--token is required');
      const notEnrolled = await cli(['run', '--state-dir', stateDir]);
      expect(notEnrolled.status).toBe(3);
      expect(notEnrolled.stderr).toContain('holds no enrollment');
    });

  it('drops a pushed domain, IPv4 and URL within a second, then follows settings, exclusions and revocation', async () => {
    const { agent, firewallId } = await enrolledAgent('E2E-MAIN');
    await agent.start();
    const feed = await push(['evil-e2e.example', '203.0.113.77', 'http://bad-e2e.example/dl/x.exe']);
    const ip = { dstIp: '203.0.113.77', endpoint: { host: 'pc-1', user: 'alice', process: 'curl' } };
    const domain = { domain: 'a.evil-e2e.example' };
    const url = { url: 'https://bad-e2e.example/dl/x.exe' };
    for (const traffic of [ip, domain, url])
      expect(await agent.until(traffic, 'drop', 1000)).toBeLessThan(1000);
    expect((await agent.check(ip)).matches).toEqual([
      {
        source: 'MDR',
        field: 'dstIp',
        indicator: '203.0.113.77',
        auditId: feed.auditId,
        action: 'drop',
        dryRun: false,
      },
    ]);

    await graphql(
      `mutation { updateMdrThreatFeedSettings(firewallId: "${firewallId}", enabled: true, action: LOG_ONLY) { id } }`,
    );
    await agent.until(ip, 'log');
    await graphql(
      `mutation { addThreatExclusion(groupId: "${demo.groupId}", type: IP, value: "203.0.113.77", comment: "e2e") { id } }`,
    );
    await agent.until(ip, 'allow');
    expect((await agent.check(ip)).excludedBy).toEqual({ type: 'IP', value: '203.0.113.77' });
    const revoked = await fetch(`${api}/api/v1/feeds/${feed.feedId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${demo.analystApiKey}` },
    });
    expect(revoked.ok).toBe(true);
    await agent.until(domain, 'allow');
    await agent.until(url, 'allow');

    // Every log or drop became an event with the feed's audit ID (local reporting on by default).
    // The log is written every 200 ms, so the last decisions may still be on their way to the file.
    await waitFor(
      () => Promise.resolve(localEvents(agent).some((event) => event.action === 'log')),
      2000,
      'the log decision in the local log',
    );
    const events = localEvents(agent);
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(new Set(events.map((event) => event.auditId))).toEqual(new Set([feed.auditId]));
    expect(events.find((event) => event.action === 'drop' && event.field === 'dstIp')).toMatchObject({
      module: 'firewall',
      endpoint: { host: 'pc-1', user: 'alice', process: 'curl' },
    });
    expect(events.find((event) => event.action === 'log')).toMatchObject({ moduleAction: 'LOG_ONLY' });
    expect(events.find((event) => event.action === 'log')!.endpoint).toBeUndefined();
    // The same events went up the socket and are stored centrally, with the feed's audit ID, each once.
    const central = await expectStoredCentrally(agent, feed.auditId, firewallId);
    expect(central.find((event) => event.action === 'DROP' && event.endpoint !== null)?.endpoint).toEqual({
      host: 'pc-1',
      user: 'alice',
      process: 'curl',
    });
    expect(central.some((event) => event.action === 'LOG')).toBe(true);

    const status = await agent.status();
    expect(status.connection).toMatchObject({ state: 'connected', firewallId });
    expect(status.streams).toHaveLength(5);
    expect(status.streams.every((stream) => stream.checksumMatch)).toBe(true);
    await graphql(
      `mutation { updateMdrThreatFeedSettings(firewallId: "${firewallId}", enabled: true, action: LOG_AND_DROP) { id } }`,
    );
    expect(await agent.stop()).toBe(0);
  });

  // The CLI-error, outage and kill scenarios run once, on the embedded service.
  if (mode === 'embedded')
    it(
      'keeps deciding while the service is down, spools events, and reconnects when it is back',
      { timeout: 180_000 },
      async () => {
        const { agent, firewallId } = await enrolledAgent('E2E-OUTAGE');
        await agent.start();
        const feed = await push(['outage-e2e.example']);
        await agent.until({ domain: 'outage-e2e.example' }, 'drop');
        expect(await service!.stop('SIGTERM')).toBe(0);
        for (let i = 0; i < 5; i++)
          expect((await agent.check({ domain: `${i}.outage-e2e.example` })).action).toBe('drop');
        await waitFor(async () => (await agent.status()).events.spooled >= 5, 3000, 'spooled events');
        await waitFor(
          async () => (await agent.status()).connection?.state === 'disconnected',
          3000,
          'the agent to see the service gone',
        );
        await startService();
        await waitFor(
          async () => (await agent.status()).connection?.state === 'connected',
          70_000,
          'the reconnect',
        );
        await push(['after-outage-e2e.example']);
        await agent.until({ domain: 'after-outage-e2e.example' }, 'drop', 2000);
        // What was spooled during the outage arrives once the service is back, each event once.
        const central = await expectStoredCentrally(agent, feed.auditId, firewallId);
        expect(central.length).toBeGreaterThanOrEqual(5);
        await waitFor(async () => (await agent.status()).events.spooled === 0, 10_000, 'an empty spool');
        await agent.stop();
      },
    );

  // The CLI-error, outage and kill scenarios run once, on the embedded service.
  if (mode === 'embedded')
    it(
      'converges after being killed while applying deltas, and during a large snapshot',
      { timeout: 300_000 },
      async () => {
        const { agent } = await enrolledAgent('E2E-KILL');
        await agent.start();
        const feeds: string[] = [];
        const pushes = Array.from({ length: 12 }, (_, i) =>
          push([`kill-${i}.example`, `198.51.100.${i + 1}`]).then((f) => feeds.push(f.feedId)),
        );
        await new Promise((resolve) => setTimeout(resolve, 150));
        expect(await agent.stop('SIGKILL')).toBeNull();
        await Promise.all(pushes);
        // A large feed arrives while the agent is down; a second agent starts from nothing (a snapshot) and is killed
        // while it applies it.
        // Embedded mode publishes a few hundred indicators a second (PGlite), so "large" stays moderate here.
        const large = Array.from({ length: 1500 }, (_, i) => `large-${i}.example`);
        const largeFeed = await push(large);
        await waitFor(
          async () => {
            const response = await fetch(`${api}/api/v1/feeds/${largeFeed.feedId}`, {
              headers: { authorization: `Bearer ${demo.analystApiKey}` },
            });
            return ((await response.json()) as { status: string }).status === 'PUBLISHED';
          },
          120_000,
          'the large feed to be published',
        );
        const fresh = await enrolledAgent('E2E-SNAPSHOT');
        await fresh.agent.start();
        await waitFor(
          () => Promise.resolve(fresh.agent.output().includes('stream: connected')),
          10_000,
          'the fresh agent to connect',
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        await fresh.agent.stop('SIGKILL');

        for (const restarted of [agent, fresh.agent]) {
          await restarted.start();
          await restarted.until({ domain: 'large-1499.example' }, 'drop', 60_000);
          for (let i = 0; i < 12; i++)
            expect((await restarted.check({ domain: `kill-${i}.example` })).action).toBe('drop');
          const status = await restarted.status();
          expect(status.streams.every((stream) => stream.checksumMatch)).toBe(true);
          expect(restarted.output()).not.toMatch(/checksum .* the service says|does not add up/);
        }
        for (const feedId of feeds) {
          await waitFor(
            async () => {
              const response = await fetch(`${api}/api/v1/feeds/${feedId}`, {
                headers: { authorization: `Bearer ${demo.analystApiKey}` },
              });
              const body = (await response.json()) as {
                delivery: { targetedFirewalls: number; appliedFirewalls: number };
              };
              // Both restarted agents acknowledged it (the firewalls of earlier tests are offline).
              return body.delivery.appliedFirewalls >= 2;
            },
            10_000,
            `delivery of ${feedId}`,
          );
        }
        const spoolFiles = readdirSync(join(agent.stateDir, 'state'));
        expect(spoolFiles.filter((name) => name.includes('.tmp-'))).toEqual([]);
        await agent.stop();
        await fresh.agent.stop();
      },
    );

  it('stops with a clear message when the firewall is deregistered', async () => {
    const { agent, firewallId } = await enrolledAgent('E2E-DEREGISTER');
    await agent.start();
    await waitFor(async () => (await agent.status()).connection?.state === 'connected', 10_000, 'connected');
    await graphql(`mutation { deregisterFirewall(firewallId: "${firewallId}") { id } }`);
    expect(await agent.exited()).toBe(6);
    expect(agent.output()).toContain('deregistered or its credential revoked');
  });
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the firewall agent against the embedded service', () => agentSuite('embedded'));

describe('the firewall agent against the service on PostgreSQL and Redis', () => agentSuite('distributed'));
