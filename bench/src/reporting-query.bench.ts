// reporting.query_24h: p95 of `threatEvents` (first page, one tenant, the last 24 hours) and of
// `threatEventSummary` (the same range, hourly series) over the stored-events dataset, through the real GraphQL
// API over HTTP, and of the list filtered to one firewall (a busy one, and one with no event in the range).
// reporting.query_30d: p95 of `threatEventSummary` over the last 30 days (hourly series). The summaries read
// rollups of complete hours and days (libs/reporting/src/rollup), which the run deletes first and then computes
// with the warming job, as a worker does every few minutes (reporting.rollup_warming: its runs until nothing is
// left, and one more run with nothing to do). reporting.query_*.summary_first: the first summary of each range
// after that (one sample: nothing of the query cached yet, the rollups warmed). The tenant is the dataset's
// largest (the worst case); the median tenant is reported beside it.
import { issueSecret, SecretKind } from '@threatline/auth';
import { ApiKeyRole } from '@threatline/db';
import { createTestApi, type TestApi } from '@threatline/http/testing';
import { ReportingModule, RollupWarming, type WarmingResult } from '@threatline/reporting';
import pg from 'pg';
import { openDataset, type Dataset } from './reporting-dataset';
import { recordResults, type BenchEntry } from './results';

const ROWS = Number(process.env.BENCH_REPORTING_ROWS ?? 10_000_000);
const WARMUP = 20;
const SAMPLES = 200;
const TARGET_MS = 100;

const LIST = `query ($filter: ThreatEventFilter) { threatEvents(filter: $filter, first: 50) {
  edges { cursor node { id occurredAt auditId indicator action actionResult message firewall { serial } feed { description } } }
  pageInfo { hasNextPage endCursor } } }`;
const SUMMARY = `query ($from: DateTime, $to: DateTime) { threatEventSummary(from: $from, to: $to, bucket: HOUR) {
  total byIndicator { indicator count } byFirewall { firewallId count } byAction { action dryRun count }
  bySource { source count } series { start count dropped dryRun } } }`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(run: () => Promise<void>): Promise<{ p50: number; p95: number; p99: number }> {
  for (let i = 0; i < WARMUP; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    p50: round(percentile(times, 50)),
    p95: round(percentile(times, 95)),
    p99: round(percentile(times, 99)),
  };
}

async function adminKeyOf(url: string, tenantId: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const issued = issueSecret(SecretKind.API_KEY);
    await client.query(
      `INSERT INTO api_key (id, name, key_hash, prefix, role, tenant_id) VALUES (gen_random_uuid(), 'bench', $1, $2, $3, $4)`,
      [issued.hash, issued.prefix, ApiKeyRole.FLEET_ADMIN, tenantId],
    );
    return issued.secret;
  } finally {
    await client.end();
  }
}

/** One of the tenant's firewalls with events (the dataset spreads a tenant's events evenly over them). */
async function firewallOf(url: string, tenantId: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM firewall WHERE tenant_id = $1 AND serial NOT LIKE 'BENCH-QUIET-%' ORDER BY serial LIMIT 1`,
      [tenantId],
    );
    return rows[0]!.id;
  } finally {
    await client.end();
  }
}

/** A firewall added to the tenant now, so with no stored event (removed by the next dataset build). */
async function newFirewallOf(url: string, tenantId: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO firewall (id, tenant_id, group_id, serial, hostname, status)
       SELECT gen_random_uuid(), $1, group_id, 'BENCH-QUIET-' || gen_random_uuid(), 'fw-quiet', 'MANAGED'
       FROM firewall WHERE tenant_id = $1 LIMIT 1
       RETURNING id`,
      [tenantId],
    );
    return rows[0]!.id;
  } finally {
    await client.end();
  }
}

/** No rollup left from an earlier run: the first summary of each range pays for computing them. */
async function deleteRollups(dataset: Dataset): Promise<void> {
  const client = new pg.Client({ connectionString: dataset.url });
  await client.connect();
  try {
    await client.query('TRUNCATE threat_event_rollup');
  } finally {
    await client.end();
  }
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
}

/** The warming job's runs (default limits) until it leaves nothing, then one more with nothing to do. */
async function warmRollups(api: TestApi): Promise<BenchEntry> {
  const warming = api.app.get(RollupWarming);
  const runs: { ms: number; result: WarmingResult }[] = [];
  for (let complete = false; !complete;) {
    let result: WarmingResult | undefined;
    const ms = await timed(async () => {
      result = await warming.run();
    });
    runs.push({ ms, result: result! });
    complete = result!.complete;
    if (runs.length > 100) throw new Error('the warming job did not finish in 100 runs');
  }
  let idle: WarmingResult | undefined;
  const idleMs = await timed(async () => {
    idle = await warming.run();
  });
  const seconds = runs.reduce((sum, run) => sum + run.ms, 0) / 1000;
  const hours = runs.reduce((sum, run) => sum + run.result.hours, 0);
  const days = runs.reduce((sum, run) => sum + run.result.days, 0);
  return {
    name: 'reporting.rollup_warming.full',
    unit: 's',
    value: Math.round(seconds * 10) / 10,
    note:
      `the warming job from no rollup: ${runs.length} runs (${runs.map((run) => (run.ms / 1000).toFixed(1)).join(' + ')} s), ` +
      `${hours} hour and ${days} day rollups; a further run with nothing to do took ${idleMs} ms ` +
      `(${idle!.hours + idle!.days} computed)`,
  };
}

async function main(): Promise<void> {
  const dataset = await openDataset(ROWS, (line) => console.log(line));
  await deleteRollups(dataset);
  const to = dataset.endsAt.toISOString();
  const from = new Date(dataset.endsAt.getTime() - 86_400_000).toISOString();
  const monthFrom = new Date(dataset.endsAt.getTime() - 30 * 86_400_000).toISOString();
  const largest = dataset.tenantIds[0]!;
  const median = dataset.tenantIds[Math.floor(dataset.tenantIds.length / 2)]!;
  let api: TestApi | undefined;
  try {
    api = await createTestApi({ imports: [ReportingModule], env: { DATABASE_URL: dataset.url } });
    const entries: BenchEntry[] = [await warmRollups(api)];
    for (const [label, tenantId] of [
      ['largest tenant', largest],
      ['median tenant', median],
    ] as const) {
      const key = await adminKeyOf(dataset.url, tenantId);
      const ask = async (query: string, variables: Record<string, unknown>) => {
        const answer = await api!.graphql(query, variables, key);
        if (answer.errors) throw new Error(JSON.stringify(answer.errors));
      };
      // The floor of any authenticated GraphQL request on this machine right now, for scale; first, so that the
      // first summaries below find the API warm (as a dashboard's user does), not the process starting.
      const floor = await measure(() => ask('{ viewer { __typename } }', {}));
      let inRange = 0;
      const firstSummary = await timed(async () => {
        const counted = await api!.graphql<{ threatEventSummary: { total: number } }>(
          SUMMARY,
          { from, to },
          key,
        );
        inRange = counted.data?.threatEventSummary.total ?? 0;
      });
      const firstMonthSummary = await timed(() => ask(SUMMARY, { from: monthFrom, to }));
      const list = await measure(() => ask(LIST, { filter: { from, to } }));
      const summary = await measure(() => ask(SUMMARY, { from, to }));
      const monthSummary = await measure(() => ask(SUMMARY, { from: monthFrom, to }));
      // One firewall's events (the firewall's Log viewer): a busy one, and a quiet one (no event in the range: the
      // worst case of a plan that walks the tenant's events for it).
      const busyFirewall = await firewallOf(dataset.url, tenantId);
      const quietFirewall = await newFirewallOf(dataset.url, tenantId);
      const busy = await measure(() => ask(LIST, { filter: { from, to, firewallId: busyFirewall } }));
      const quiet = await measure(() => ask(LIST, { filter: { from, to, firewallId: quietFirewall } }));
      const note =
        `${label}: ${inRange} events in the 24 h range, ${dataset.rows} stored over 30 days; GraphQL over HTTP ` +
        `(a trivial authenticated query takes p50 ${floor.p50} ms, p95 ${floor.p95} ms here)`;
      const suffix = label === 'largest tenant' ? '' : '_median_tenant';
      entries.push(
        {
          name: `reporting.query_24h.threat_events${suffix}`,
          unit: 'ms p95',
          value: list.p95,
          ...list,
          target: `p95 <= ${TARGET_MS} ms`,
          note,
        },
        {
          name: `reporting.query_24h.firewall_events${suffix}`,
          unit: 'ms p95',
          value: busy.p95,
          ...busy,
          target: `p95 <= ${TARGET_MS} ms`,
          note: `${note}; one of the tenant's firewalls (a twentieth of its events)`,
        },
        {
          name: `reporting.query_24h.quiet_firewall_events${suffix}`,
          unit: 'ms p95',
          value: quiet.p95,
          ...quiet,
          target: `p95 <= ${TARGET_MS} ms`,
          note: `${note}; a firewall of the tenant with no event in the range`,
        },
        {
          name: `reporting.query_24h.summary${suffix}`,
          unit: 'ms p95',
          value: summary.p95,
          ...summary,
          target: `p95 <= ${TARGET_MS} ms`,
          note,
        },
        {
          name: `reporting.query_24h.summary_first${suffix}`,
          unit: 'ms',
          value: firstSummary,
          target: `<= ${TARGET_MS} ms`,
          note: `${note}; the first summary of the range once the warming job has run (one sample)`,
        },
        {
          name: `reporting.query_30d.summary${suffix}`,
          unit: 'ms p95',
          value: monthSummary.p95,
          ...monthSummary,
          target: `p95 <= ${TARGET_MS} ms`,
          note: `${label}: the last 30 days, hourly series`,
        },
        {
          name: `reporting.query_30d.summary_first${suffix}`,
          unit: 'ms',
          value: firstMonthSummary,
          target: `<= ${TARGET_MS} ms`,
          note: `${label}: the last 30 days, hourly series; the first such summary once the warming job has run (one sample)`,
        },
      );
    }
    recordResults(entries);
  } finally {
    await api?.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
