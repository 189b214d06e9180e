// reporting.ingest: threat events per second end to end, sustained for 60 s with nothing lost: simulated agents
// hand batches of 1000 events to the ingest entry point the gateway calls (EventIngestor.accept: a BullMQ job in
// Redis), worker processes (services/worker, as deployed) store them in PostgreSQL. The rate counts only events
// that went all the way: accepted during the run and stored by the end of the drain that follows it. The
// baseline is a raw COPY into the same table (same partitions and indexes) measured in the same run.
import { createTestDatabase } from '@threatline/db/testing';
import { EventIngestor, PartitionMaintenance, ReportingIngestModule } from '@threatline/reporting';
import type { ThreatEvent } from '@threatline/protocol';
import { createReportingContext, deleteRedisKeys, TEST_REDIS_URL } from '@threatline/reporting/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { recordResults } from './results';

const DURATION_MS = Number(process.env.BENCH_INGEST_SECONDS ?? 60) * 1000;
const WORKERS = Number(process.env.BENCH_INGEST_WORKERS ?? 1);
const BATCH = 1000;
const TENANTS = 20;
const FIREWALLS_PER_TENANT = 10;
/** Batches being handed over at once (the gateway's concurrent `accept` calls). */
const IN_FLIGHT = 8;
/** Producers pause while this many batches wait in Redis (a bound on the bench's memory, not on the rate). */
const MAX_BACKLOG = 300;
const COPY_ROWS = 300_000;
const TARGET = 50_000;
const WORKER_ENTRY = resolve(__dirname, '../../services/worker/dist/main.js');

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Fleet {
  firewalls: { id: string; tenantId: string; groupId: string }[];
}

async function makeFleet(pool: pg.Pool): Promise<Fleet> {
  await pool.query(
    `INSERT INTO tenant (id, name) SELECT gen_random_uuid(), 'bench-' || t FROM generate_series(1, ${TENANTS}) t`,
  );
  await pool.query(
    `INSERT INTO firewall_group (id, tenant_id, name) SELECT gen_random_uuid(), id, 'bench' FROM tenant`,
  );
  await pool.query(
    `INSERT INTO firewall (id, tenant_id, group_id, serial, status)
     SELECT gen_random_uuid(), g.tenant_id, g.id, 'BENCH-' || g.id || '-' || f, 'MANAGED'
     FROM firewall_group g, generate_series(1, ${FIREWALLS_PER_TENANT}) f`,
  );
  await pool.query(`INSERT INTO firewall_settings (firewall_id) SELECT id FROM firewall`);
  const rows = await pool.query<{ id: string; tenant_id: string; group_id: string }>(
    'SELECT id, tenant_id, group_id FROM firewall',
  );
  return {
    firewalls: rows.rows.map((row) => ({ id: row.id, tenantId: row.tenant_id, groupId: row.group_id })),
  };
}

/** A batch as an agent sends it: mixed drops and logs over a few hundred indicators. */
function batchOf(size: number, seed: number): ThreatEvent[] {
  const occurredAt = new Date().toISOString();
  return Array.from({ length: size }, (_, i) => {
    const n = seed + i;
    const drop = n % 5 < 3;
    return {
      id: randomUUID(),
      occurredAt,
      auditId: `MDR-20261123-${String(n % 200).padStart(8, '0')}`,
      source: n % 10 < 7 ? 'MDR' : 'XOPS',
      module: 'firewall',
      action: drop ? 'drop' : 'log',
      dryRun: !drop && n % 10 === 9,
      moduleAction: 'LOG_AND_DROP',
      direction: 'outbound',
      field: 'dstIp',
      indicator: `198.51.${n % 20}.${n % 250}`,
      indicatorType: 'ipv4',
      srcIp: `10.0.${n % 250}.${n % 199}`,
      dstIp: `198.51.${n % 20}.${n % 250}`,
      ...(drop ? { endpoint: { host: `host-${n % 500}`, user: `user-${n % 300}` } } : {}),
    };
  });
}

/** Rows per second of a raw COPY of `rows` events into threat_event. */
async function copyRate(pool: pg.Pool, fleet: Fleet, rows: number): Promise<number> {
  const client = await pool.connect();
  try {
    const columns =
      'occurred_at, id, tenant_id, firewall_id, group_id, received_at, audit_id, source, module, action, dry_run, ' +
      'module_action, direction, field, indicator, indicator_type, src_ip, dst_ip, endpoint_host, endpoint_user';
    const started = process.hrtime.bigint();
    function* lines(): Generator<string> {
      for (let start = 0; start < rows; start += BATCH) {
        const firewall = fleet.firewalls[(start / BATCH) % fleet.firewalls.length]!;
        const now = new Date().toISOString();
        let chunk = '';
        for (const e of batchOf(Math.min(BATCH, rows - start), start)) {
          chunk +=
            [
              e.occurredAt,
              e.id,
              firewall.tenantId,
              firewall.id,
              firewall.groupId,
              now,
              e.auditId,
              e.source,
              e.module,
              e.action,
              e.dryRun ? 't' : 'f',
              e.moduleAction,
              e.direction,
              e.field,
              e.indicator,
              e.indicatorType,
              e.srcIp,
              e.dstIp,
              e.endpoint?.host ?? '\\N',
              e.endpoint?.user ?? '\\N',
            ].join('\t') + '\n';
        }
        yield chunk;
      }
    }
    await pipeline(
      Readable.from(lines()),
      client.query(copyFrom(`COPY threat_event (${columns}) FROM STDIN`)),
    );
    return rows / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    client.release();
  }
}

function startWorker(url: string, prefix: string): ChildProcess {
  return spawn(process.execPath, [WORKER_ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(TEST_REDIS_URL);
  const workers: ChildProcess[] = [];
  const gateway = await createReportingContext({
    imports: [ReportingIngestModule],
    database,
    queuePrefix: prefix,
  });
  try {
    const fleet = await makeFleet(pool);
    await gateway.app.get(PartitionMaintenance).ensureToday();

    const copied = await copyRate(pool, fleet, COPY_ROWS);
    console.log(`COPY baseline: ${Math.round(copied)} rows/s`);
    await pool.query('TRUNCATE threat_event');
    await pool.query('VACUUM ANALYZE threat_event');

    for (let i = 0; i < WORKERS; i++) workers.push(startWorker(database.url, prefix));
    const ingestor = gateway.app.get(EventIngestor);
    const stored = async () => Number((await pool.query('SELECT count(*) AS n FROM threat_event')).rows[0].n);
    // Warm-up: one batch through the whole path, so the workers are up before the clock starts.
    await ingestor.accept(fleet.firewalls[0]!.id, randomUUID(), batchOf(10, 0));
    while ((await stored()) < 10) await sleep(200);
    await pool.query('TRUNCATE threat_event');

    let accepted = 0;
    let paused = 0;
    const started = Date.now();
    const deadline = started + DURATION_MS;
    const waitKey = `${prefix}:threat-event-ingest:wait`;
    const producers = Array.from({ length: IN_FLIGHT }, async (_, lane) => {
      let n = lane;
      while (Date.now() < deadline) {
        if ((await redis.llen(waitKey)) > MAX_BACKLOG) {
          paused++;
          await sleep(50);
          continue;
        }
        const firewall = fleet.firewalls[n % fleet.firewalls.length]!;
        await ingestor.accept(firewall.id, randomUUID(), batchOf(BATCH, n * BATCH));
        accepted += BATCH;
        n += IN_FLIGHT;
      }
    });
    const progress = setInterval(() => {
      void stored().then((count) =>
        console.log(
          `  ${((Date.now() - started) / 1000).toFixed(0)} s: ${accepted} accepted, ${count} stored`,
        ),
      );
    }, 10_000);
    await Promise.all(producers);
    const acceptedAt = Date.now();
    let count = await stored();
    while (count < accepted && Date.now() - acceptedAt < 300_000) {
      await sleep(250);
      count = await stored();
    }
    clearInterval(progress);
    const drainedAt = Date.now();
    const distinct = Number((await pool.query('SELECT count(DISTINCT id) AS n FROM threat_event')).rows[0].n);
    if (count !== accepted || distinct !== accepted) {
      throw new Error(`lost or doubled events: ${accepted} accepted, ${count} stored, ${distinct} distinct`);
    }
    const rate = accepted / ((drainedAt - started) / 1000);
    const acceptRate = accepted / ((acceptedAt - started) / 1000);
    recordResults([
      {
        name: 'reporting.ingest',
        unit: 'events/s',
        value: Math.round(rate),
        baseline: { name: 'raw COPY into threat_event', value: Math.round(copied) },
        ratio: rate / copied,
        target: `>= ${TARGET.toLocaleString('en-US')} events/s`,
        note:
          `${accepted} events accepted in ${DURATION_MS / 1000} s (${Math.round(acceptRate)}/s offered, ` +
          `producers paused ${paused}x on a ${MAX_BACKLOG}-batch backlog), all stored once after a ` +
          `${((drainedAt - acceptedAt) / 1000).toFixed(1)} s drain; ${WORKERS} worker process(es), batches of ${BATCH}, ` +
          `${fleet.firewalls.length} firewalls; EventIngestor.accept (the gateway's call) -> BullMQ -> ` +
          `services/worker -> PostgreSQL`,
      },
    ]);
  } finally {
    for (const worker of workers) worker.kill('SIGKILL');
    await gateway.close();
    await deleteRedisKeys(`${prefix}:*`);
    redis.disconnect();
    await pool.end();
    await database.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
