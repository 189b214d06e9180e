// `npm run bench -- stream`: stream.publish_to_applied. An analyst pushes one indicator to a tenant through the
// REST API of the built standalone process (API, publish worker and gateway on PostgreSQL and Redis); each of the
// tenant's agents (real AgentClients in child processes: validate, apply, verify the checksum, ack) records when it
// applied the delta. Latency = that moment minus the moment the API's 202 arrived.
import { mdrTenantStreamId } from '@threatline/protocol';
import { recordResults, type BenchEntry } from './results';
import {
  CROWDSEC_POLL_1S_P50_MS,
  CROWDSEC_POLL_1S_P95_MS,
  CROWDSEC_POLL_10S_P50_MS,
  CROWDSEC_POLL_10S_P95_MS,
} from './stream-baselines';
import {
  benchEnvironment,
  makeAnalystKey,
  makeFleet,
  percentile,
  pushFeed,
  round1,
  sleep,
  startService,
} from './stream-setup';
import { split, Swarm } from './stream-swarms';

/** Real agents per child process: enough that the agents' own work is spread, few enough to leave CPU to the server. */
const AGENTS_PER_SWARM = 5000;
const WARM_UP_PUSHES = 3;

interface LatencyRun {
  agents: number;
  samples: number[];
  connectMs: number;
}

async function measure(agents: number, pushes: number, spacingMs: number): Promise<LatencyRun> {
  const environment = await benchEnvironment();
  const swarms: Swarm[] = [];
  let server;
  try {
    const { prisma } = environment.database;
    const fleet = await makeFleet(prisma, 1, agents);
    const tenantId = fleet.tenantIds[0]!;
    const analystKey = await makeAnalystKey(prisma, fleet.tenantIds);
    server = await startService('standalone', environment.database.url, environment.queuePrefix);

    const began = Date.now();
    const parts = split(fleet.firewalls, Math.ceil(agents / AGENTS_PER_SWARM));
    swarms.push(...parts.map(() => Swarm.fork()));
    const started = await Promise.all(
      swarms.map((swarm, i) =>
        swarm.request(
          { type: 'start', mode: 'client', url: server!.streamUrl, firewalls: parts[i]!, parallel: 50 },
          'started',
        ),
      ),
    );
    const failed = started.reduce((sum, reply) => sum + reply.failed, 0);
    if (failed > 0) throw new Error(`${failed} agents did not get their snapshots`);
    const connectMs = Date.now() - began;

    const stream = mdrTenantStreamId(tenantId);
    const pushedAt = new Map<number, number>();
    let seq = 0;
    for (let i = 0; i < WARM_UP_PUSHES + pushes; i++) {
      const push = await pushFeed(server.url, analystKey, [tenantId], [`198.18.${i >> 8}.${i & 255}`]);
      // One new indicator per push: one delta, the next seq of the tenant's stream.
      seq++;
      if (i >= WARM_UP_PUSHES) pushedAt.set(seq, push.at);
      await Promise.all(swarms.map((swarm) => swarm.request({ type: 'waitFor', seq }, 'reached')));
      await sleep(spacingMs);
    }
    const reports = await Promise.all(swarms.map((swarm) => swarm.request({ type: 'report' }, 'report')));
    const samples: number[] = [];
    for (const report of reports) {
      for (const [appliedSeq, times] of report.applied) {
        const at = pushedAt.get(appliedSeq);
        if (at !== undefined) for (const time of times) samples.push(time - at);
      }
    }
    if (samples.length !== pushes * agents) {
      throw new Error(
        `expected ${pushes * agents} applied deltas, measured ${samples.length} (stream ${stream})`,
      );
    }
    return { agents, samples: samples.sort((a, b) => a - b), connectMs };
  } finally {
    await Promise.all(swarms.map((swarm) => swarm.stop()));
    await server?.stop();
    await environment.dispose();
  }
}

function entry(name: string, run: LatencyRun, pushes: number, target: string, extra: string): BenchEntry {
  const p50 = round1(percentile(run.samples, 50));
  return {
    name,
    unit: 'ms',
    value: p50,
    p50,
    p95: round1(percentile(run.samples, 95)),
    p99: round1(percentile(run.samples, 99)),
    baseline: {
      name: 'CrowdSec 1.4.6 bouncer polling every 1 s, p50 (recorded constant)',
      value: CROWDSEC_POLL_1S_P50_MS,
    },
    ratio: round1(CROWDSEC_POLL_1S_P50_MS / p50),
    target,
    note:
      `${run.agents} agents x ${pushes} pushes (${run.samples.length} samples), 202 -> agent applied; ` +
      `agents connected with snapshots in ${(run.connectMs / 1000).toFixed(1)} s. ${extra}` +
      `CrowdSec recorded: 1 s poll p50 ${CROWDSEC_POLL_1S_P50_MS} / p95 ${CROWDSEC_POLL_1S_P95_MS} ms, ` +
      `default 10 s poll p50 ${CROWDSEC_POLL_10S_P50_MS} / p95 ${CROWDSEC_POLL_10S_P95_MS} ms.`,
  };
}

async function main(): Promise<void> {
  const entries: BenchEntry[] = [];
  const thousand = await measure(1000, 30, 100);
  entries.push(entry('stream.publish_to_applied', thousand, 30, 'p50 <= 50 ms, p99 <= 150 ms', ''));
  if (process.env.STREAM_BENCH_10K !== '0') {
    const tenThousand = await measure(10_000, 10, 200);
    entries.push(
      entry(
        'stream.publish_to_applied_10k',
        tenThousand,
        10,
        'p99 <= 1000 ms',
        'Agents share the 2 cores with the server. ',
      ),
    );
  }
  recordResults(entries);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
