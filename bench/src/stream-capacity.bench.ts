// `npm run bench -- stream`: stream.agents_per_gateway. One built services/stream process (the gateway alone) holds
// as many agents as this machine's open-file limit allows (one socket each), spread over ten tenants, every agent
// with its five streams (so ten thousands of settings streams and firewall notice channels, as in a real fleet).
// Every second an analyst push reaches every tenant (through a separate standalone process: API and worker), so
// every agent gets a live delta a second and acks it. Memory per agent = growth of the gateway's resident memory
// from idle to holding them all, under that load, within a fixed heap budget (see below). The simulated agents are light sockets in three child processes.
import { mdrTenantStreamId } from '@threatline/protocol';
import { recordResults } from './results';
import {
  benchEnvironment,
  makeAnalystKey,
  makeFleet,
  openFileLimit,
  pushFeed,
  round1,
  sleep,
  startService,
} from './stream-setup';
import { split, Swarm } from './stream-swarms';

const TENANTS = 10;
const SWARMS = 3;
const LIVE_SECONDS = 15;
/** Sockets the gateway process needs besides agents: PostgreSQL pool, Redis, listener, files. */
const RESERVED_FILES = 200;
const TARGET_AGENTS = 20_000;
const MAX_KB_PER_AGENT = 15;
/** The gateway's old-generation heap budget: its idle heap and well under 15 KB per agent for 20,000 agents. */
const GATEWAY_HEAP_MB = 384;
/**
 * The gateway process as deploy/stream runs it: a process whose job is holding sockets trades a little GC time for
 * memory. With --optimize-for-size V8 keeps its old generation near what is live (by default it may grow to 2-4x
 * between collections) and collects its young generation more often, which also returns the native memory of
 * socket reads sooner: 8.3 KB per agent instead of 16.2-18 here (MALLOC_ARENA_MAX=2 alone: 16.2). Since session 10
 * with a 16 MB young generation (--max-semi-space-size=16), for the event path's CPU: 10.4-12.0 KB (8 MB: 10.0).
 * STREAM_BENCH_GATEWAY_FLAGS overrides the flags ('' for none).
 */
const GATEWAY_FLAGS = (
  process.env.STREAM_BENCH_GATEWAY_FLAGS ?? '--optimize-for-size --max-semi-space-size=16'
)
  .split(' ')
  .filter(Boolean);
const GATEWAY_ENV = { NODE_OPTIONS: `--max-old-space-size=${GATEWAY_HEAP_MB}` };

async function main(): Promise<void> {
  // The gateway inherits this process's limit: one descriptor per agent socket.
  const agents = Math.min(
    Number(process.env.STREAM_BENCH_AGENTS ?? TARGET_AGENTS),
    openFileLimit() - RESERVED_FILES,
  );
  const perTenant = Math.floor(agents / TENANTS);
  const environment = await benchEnvironment();
  const swarms: Swarm[] = [];
  let api;
  let gateway;
  try {
    const { prisma } = environment.database;
    const fleet = await makeFleet(prisma, TENANTS, perTenant);
    const analystKey = await makeAnalystKey(prisma, fleet.tenantIds);
    api = await startService('standalone', environment.database.url, environment.queuePrefix);
    // V8 lets its heap grow lazily towards its default limit (a quarter of this machine's memory), so the resident
    // memory of an uncapped process measures how lazily it collects, not what it needs. The gateway runs with the
    // old-generation budget a deployment would give it for this many agents; holding them all with a delta a
    // second inside that budget is the figure.
    gateway = await startService(
      'stream',
      environment.database.url,
      environment.queuePrefix,
      GATEWAY_ENV,
      GATEWAY_FLAGS,
    );
    await sleep(2000);
    const idleRss = gateway.rssBytes();
    const idleHeap = await heapUsed(gateway.url);
    const idleSpaces = await heapSpaces(gateway.url);

    const began = Date.now();
    const parts = split(fleet.firewalls, SWARMS);
    swarms.push(...parts.map(() => Swarm.fork(1024)));
    const started = await Promise.all(
      swarms.map((swarm, i) =>
        swarm.request(
          { type: 'start', mode: 'light', url: gateway!.streamUrl, firewalls: parts[i]!, parallel: 100 },
          'started',
        ),
      ),
    );
    const connectSeconds = (Date.now() - began) / 1000;
    const failed = started.reduce((sum, reply) => sum + reply.failed, 0);

    // A delta a second to every agent: one push to all ten tenants (one new indicator on each tenant's stream).
    let seq = 0;
    let lateSeconds = 0;
    const heapSamples: number[] = [];
    for (let second = 0; second < LIVE_SECONDS; second++) {
      const tick = Date.now();
      heapSamples.push(await heapUsed(gateway.url));
      await pushFeed(api.url, analystKey, fleet.tenantIds, [`198.19.${second >> 8}.${second & 255}`]);
      seq++;
      const spent = Date.now() - tick;
      if (spent < 1000) await sleep(1000 - spent);
      else lateSeconds++;
    }
    // Every agent has every delta (its tenant stream at the last seq), then memory under that load.
    const waited = Date.now();
    await Promise.all(swarms.map((swarm) => swarm.request({ type: 'waitFor', seq }, 'reached', 120_000)));
    const drainSeconds = (Date.now() - waited) / 1000;
    const loadedRss = gateway.rssBytes();
    const loadedSpaces = await heapSpaces(gateway.url);
    // Between collections the heap also holds the garbage of the traffic: its low point is what stays.
    const loadedHeap = Math.min(...heapSamples, await heapUsed(gateway.url));
    const stats = await Promise.all(swarms.map((swarm) => swarm.request({ type: 'stats' }, 'stats')));
    const connected = stats.reduce((sum, reply) => sum + reply.connected, 0);
    const kbPerAgent = round1((loadedRss - idleRss) / 1024 / connected);
    const heapKbPerAgent = round1((loadedHeap - idleHeap) / 1024 / connected);

    recordResults([
      {
        name: 'stream.agents_per_gateway',
        unit: 'agents',
        value: connected,
        target: `>= ${TARGET_AGENTS} agents at <= ${MAX_KB_PER_AGENT} KB each, a delta a second`,
        note:
          `${connected} agents held (${failed} failed to connect; the ceiling here is the open-file limit ` +
          `${openFileLimit()} per process), ${round1(kbPerAgent)} KB of gateway memory per agent ` +
          `(RSS ${round1(idleRss / 2 ** 20)} MB idle -> ${round1(loadedRss / 2 ** 20)} MB, old-generation heap ` +
          `capped at ${GATEWAY_HEAP_MB} MB; node flags: ${GATEWAY_FLAGS.join(' ') || 'none'}), ` +
          `connected with snapshots in ${round1(connectSeconds)} s, ${LIVE_SECONDS} s of a delta a second to all ` +
          `(${lateSeconds} pushes took over a second), last delta everywhere ${round1(drainSeconds)} s after the last push.`,
      },
      {
        name: 'stream.memory_per_agent',
        unit: 'KB',
        value: kbPerAgent,
        target: `<= ${MAX_KB_PER_AGENT} KB`,
        note:
          `gateway RSS growth / agents, ${connected} agents with five streams each, a delta a second; ` +
          `of which live JavaScript objects (V8 heap used at its low point) ${heapKbPerAgent} KB; ` +
          `RSS growth ${mb(loadedRss - idleRss)} MB = V8 heap reserved ${mb(loadedSpaces.total - idleSpaces.total)} MB ` +
          `(young generation ${mb(loadedSpaces.young - idleSpaces.young)} MB) + outside the V8 heap ` +
          `${mb(loadedRss - idleRss - (loadedSpaces.total - idleSpaces.total))} MB (sockets, buffers, malloc)`,
      },
    ]);
    const stream = mdrTenantStreamId(fleet.tenantIds[0]!);
    if (connected < agents - failed)
      throw new Error(`only ${connected} of ${agents} agents stayed connected (${stream})`);
  } finally {
    await Promise.all(swarms.map((swarm) => swarm.stop()));
    await gateway?.stop();
    await api?.stop();
    await environment.dispose();
  }
}

/** The V8 heap a service process reserved, in all and in its young generation (new spaces), from its /metrics. */
async function heapSpaces(url: string): Promise<{ total: number; young: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  let young = 0;
  for (const row of text.split('\n')) {
    const match = /^nodejs_heap_space_size_total_bytes\{space="([a-z_]+)"\} (\d+)/.exec(row);
    if (!match) continue;
    total += Number(match[2]);
    if (match[1]!.startsWith('new')) young += Number(match[2]);
  }
  return { total, young };
}

function mb(bytes: number): number {
  return round1(bytes / 2 ** 20);
}

/** The V8 heap in use in a service process, from its /metrics. */
async function heapUsed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('nodejs_heap_size_used_bytes '));
  return Number(line?.split(' ')[1] ?? NaN);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
