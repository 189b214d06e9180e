// reporting.ingest: threat events per second end to end, sustained for 60 s with nothing lost: simulated agents
// (raw WebSockets speaking the agent protocol, one per firewall, each with a few batches in flight) upload batches
// of 1000 events to the gateway (services/stream, built, as deployed), which validates them and acknowledges each
// once it is a BullMQ job in Redis; worker processes (services/worker) store them in PostgreSQL. The rate counts
// only events that went all the way: acknowledged during the run and stored by the end of the drain that follows.
// The baseline is a raw COPY into the same table (same partitions and indexes) measured in the same run.
import type { ThreatEvent } from '@threatline/protocol';
import { PartitionMaintenance, ReportingIngestModule } from '@threatline/reporting';
import { createReportingContext } from '@threatline/reporting/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import WebSocket from 'ws';
import { recordResults } from './results';
import {
  benchEnvironment,
  makeFleet,
  REDIS_URL,
  sleep,
  startService,
  type BenchFirewall,
  type BenchFleet,
} from './stream-setup';

const DURATION_MS = Number(process.env.BENCH_INGEST_SECONDS ?? 60) * 1000;
const WORKERS = Number(process.env.BENCH_INGEST_WORKERS ?? 1);
const BATCH = 1000;
/** Simulated agents, one per firewall, spread over a few tenants. */
const TENANTS = 5;
const AGENTS_PER_TENANT = 10;
/** Batches each agent has sent and not yet had acknowledged (the real agent keeps 4). */
const WINDOW = 4;
/** Agents pause while this many batches wait in Redis (a bound on the bench's memory, not on the rate). */
const MAX_BACKLOG = 300;
const COPY_ROWS = 300_000;
const TARGET = 50_000;
const WORKER_ENTRY = resolve(__dirname, '../../services/worker/dist/main.js');
/** A directory for the gateway's and workers' CPU profiles (node --cpu-prof, written when they exit on SIGTERM). */
const CPU_PROF_DIR = process.env.BENCH_INGEST_CPU_PROF;
const PROFILE_ENV: Record<string, string> = CPU_PROF_DIR
  ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROF_DIR}` }
  : {};

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

/**
 * The text of an `events` message carrying batchOf(size, seed), built as text: exactly what JSON.stringify makes
 * of it (checkBatchText holds them together), at a fraction of the CPU. The simulated agents share the cores with the
 * services they load, which real agents, running on the firewalls, do not.
 */
function batchText(batchId: string, size: number, seed: number): string {
  const occurredAt = new Date().toISOString();
  let text = `{"type":"events","v":1,"batchId":"${batchId}","events":[`;
  for (let i = 0; i < size; i++) {
    const n = seed + i;
    const drop = n % 5 < 3;
    const indicator = `198.51.${n % 20}.${n % 250}`;
    text +=
      `${i === 0 ? '' : ','}{"id":"${randomUUID()}","occurredAt":"${occurredAt}",` +
      `"auditId":"MDR-20261123-${String(n % 200).padStart(8, '0')}","source":"${n % 10 < 7 ? 'MDR' : 'XOPS'}",` +
      `"module":"firewall","action":"${drop ? 'drop' : 'log'}","dryRun":${!drop && n % 10 === 9},` +
      `"moduleAction":"LOG_AND_DROP","direction":"outbound","field":"dstIp","indicator":"${indicator}",` +
      `"indicatorType":"ipv4","srcIp":"10.0.${n % 250}.${n % 199}","dstIp":"${indicator}"` +
      (drop ? `,"endpoint":{"host":"host-${n % 500}","user":"user-${n % 300}"}}` : '}');
  }
  return `${text}]}`;
}

/** batchText must say what JSON.stringify says (ids aside, which are random). */
function checkBatchText(): void {
  const uuid = /"id":"[0-9a-f-]{36}"/g;
  const text = batchText('b-check', 20, 7);
  const parsed = JSON.parse(text) as { events: ThreatEvent[] };
  const expected = JSON.stringify({
    type: 'events',
    v: 1,
    batchId: 'b-check',
    events: batchOf(20, 7).map((event, i) => ({ ...event, occurredAt: parsed.events[i]!.occurredAt })),
  });
  if (text.replace(uuid, '"id":""') !== expected.replace(uuid, '"id":""'))
    throw new Error(`batchText differs from JSON.stringify:\n${text}\n${expected}`);
}

/** Rows per second of a raw COPY of `rows` events into threat_event. */
async function copyRate(pool: pg.Pool, fleet: BenchFleet, rows: number): Promise<number> {
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
              firewall.firewallId,
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
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
      ...PROFILE_ENV,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** SIGKILL, or SIGTERM when profiling: the worker then drains and exits, and node writes its profile. */
async function stopWorker(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise((done) => worker.once('exit', done));
  worker.kill(CPU_PROF_DIR ? 'SIGTERM' : 'SIGKILL');
  await exited;
}

/** What the simulated agents did, in events (batches times their size). */
interface Tally {
  sent: number;
  acked: number;
  retries: number;
  paused: number;
}

/**
 * One simulated agent: a raw WebSocket speaking the agent protocol (hello, then events batches), with up to
 * WINDOW batches awaiting their answer. It ignores the stream frames it is sent (no state to keep here) and sends
 * a batch refused with `events_retry_later` again after a pause, as the real agent does.
 */
class SimulatedAgent {
  private socket!: WebSocket;
  private readonly inFlight = new Map<string, string>();
  private next = 0;
  private drained: (() => void) | undefined;

  constructor(
    private readonly firewall: BenchFirewall,
    private readonly lane: number,
    private readonly tally: Tally,
    private readonly mayAdd: () => boolean,
  ) {}

  async connect(url: string): Promise<void> {
    this.socket = new WebSocket(url, {
      perMessageDeflate: false,
      headers: { Authorization: `Bearer ${this.firewall.credential}` },
    });
    const socket = this.socket;
    await new Promise<void>((done, fail) => {
      socket.once('open', () => {
        socket.send(JSON.stringify({ type: 'hello', v: 1, agent: { version: 'bench' }, streams: [] }));
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const text = (data as Buffer).toString();
        if (text.startsWith('{"type":"welcome"')) done();
        else if (text.startsWith('{"type":"eventsAck"') || text.startsWith('{"type":"error"'))
          this.answer(text);
      });
      socket.once('error', fail);
      socket.once('close', (code, reason) =>
        fail(new Error(`agent socket closed: ${code} ${reason.toString()}`)),
      );
    });
  }

  /** Keeps WINDOW batches in flight (while mayAdd says so). */
  fill(): void {
    while (this.inFlight.size < WINDOW && this.mayAdd()) {
      const batchId = `b-${this.lane}-${this.next}`;
      const text = batchText(batchId, BATCH, this.lane * 1_000_000 + this.next * BATCH);
      this.next++;
      this.inFlight.set(batchId, text);
      this.tally.sent += BATCH;
      this.socket.send(text);
    }
  }

  /** Resolves once every batch sent was acknowledged. */
  settled(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((done) => (this.drained = done));
  }

  close(): void {
    this.socket.close();
  }

  private answer(text: string): void {
    const message = JSON.parse(text) as { type: string; batchId?: string; code?: string; message?: string };
    const batchId = message.batchId;
    if (batchId === undefined || !this.inFlight.has(batchId))
      throw new Error(`unexpected answer: ${text.slice(0, 300)}`);
    if (message.type === 'eventsAck') {
      this.inFlight.delete(batchId);
      this.tally.acked += BATCH;
      if (this.inFlight.size === 0) this.drained?.();
      this.fill();
      return;
    }
    if (message.code !== 'events_retry_later') throw new Error(`batch refused: ${text.slice(0, 300)}`);
    this.tally.retries++;
    const frame = this.inFlight.get(batchId)!;
    setTimeout(() => this.socket.send(frame), 200);
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

const BENCH_APPLICATION = 'reporting-ingest-bench';

/**
 * CPU seconds of the PostgreSQL backends serving the services on this database so far, by backend pid (a backend
 * that ends before the next reading drops out: the figure is a lower bound).
 */
async function backendCpuSeconds(pool: pg.Pool): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name <> $1`,
    [BENCH_APPLICATION],
  );
  const seconds = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      seconds.set(pid, cpuSecondsOf(pid));
    } catch {
      // The backend ended between the query and the read.
    }
  }
  return seconds;
}

function cpuSecondsSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** CPU seconds Redis has used so far (INFO cpu: the whole server, so other work on it counts too). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** WAL written by the whole server so far (pg_stat_wal): bytes and full-page images. */
async function walStats(pool: pg.Pool): Promise<{ bytes: number; fpi: number }> {
  const { rows } = await pool.query<{ bytes: string; fpi: string }>(
    'SELECT wal_bytes::text AS bytes, wal_fpi::text AS fpi FROM pg_stat_wal',
  );
  return { bytes: Number(rows[0]!.bytes), fpi: Number(rows[0]!.fpi) };
}

async function storedCount(pool: pg.Pool): Promise<number> {
  return Number((await pool.query('SELECT count(*) AS n FROM threat_event')).rows[0].n);
}

async function main(): Promise<void> {
  checkBatchText();
  const environment = await benchEnvironment();
  const { database, queuePrefix: prefix } = environment;
  // Named, so that the CPU of PostgreSQL's backends counts the services' connections and not the bench's own.
  const pool = new pg.Pool({ connectionString: database.url, max: 4, application_name: BENCH_APPLICATION });
  const redis = new Redis(REDIS_URL);
  const workers: ChildProcess[] = [];
  const agents: SimulatedAgent[] = [];
  let gateway: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    const fleet = await makeFleet(database.prisma, TENANTS, AGENTS_PER_TENANT);
    const partitions = await createReportingContext({
      imports: [ReportingIngestModule],
      database,
      queuePrefix: prefix,
    });
    await partitions.app.get(PartitionMaintenance).ensureToday();
    await partitions.close();

    const copied = await copyRate(pool, fleet, COPY_ROWS);
    console.log(`COPY baseline: ${Math.round(copied)} rows/s`);
    await pool.query('TRUNCATE threat_event');
    await pool.query('VACUUM ANALYZE threat_event');

    gateway = await startService('stream', database.url, prefix, PROFILE_ENV);
    for (let i = 0; i < WORKERS; i++) workers.push(startWorker(database.url, prefix));

    const tally: Tally = { sent: 0, acked: 0, retries: 0, paused: 0 };
    let running = false;
    let backlog = 0;
    const mayAdd = () => running && backlog <= MAX_BACKLOG;
    for (const [lane, firewall] of fleet.firewalls.entries()) {
      const agent = new SimulatedAgent(firewall, lane, tally, mayAdd);
      await agent.connect(gateway.streamUrl);
      agents.push(agent);
    }
    // Warm-up: a few batches through the whole path, so the workers are up before the clock starts.
    running = true;
    agents[0]!.fill();
    running = false;
    await agents[0]!.settled();
    while ((await storedCount(pool)) < tally.acked) await sleep(200);
    await pool.query('TRUNCATE threat_event');
    tally.sent = tally.acked = tally.retries = 0;

    const waitKey = `${prefix}:threat-event-ingest:wait`;
    const backendsBefore = await backendCpuSeconds(pool);
    const walBefore = await walStats(pool);
    const cpuBefore = {
      gateway: cpuSecondsOf(gateway.child.pid!),
      workers: workers.reduce((sum, worker) => sum + cpuSecondsOf(worker.pid!), 0),
      agents: ownCpuSeconds(),
      redis: await redisCpuSeconds(redis),
    };
    // The machine's 1-minute load average every 10 s: the rate means little if other work shared the cores.
    const loads: number[] = [];
    const started = Date.now();
    const deadline = started + DURATION_MS;
    let nextReport = started + 10_000;
    running = true;
    for (const agent of agents) agent.fill();
    // The queue's backlog, read every 100 ms: agents hold back new batches while it is over the bound.
    while (Date.now() < deadline) {
      await sleep(100);
      backlog = await redis.llen(waitKey);
      if (backlog > MAX_BACKLOG) tally.paused++;
      else for (const agent of agents) agent.fill();
      if (Date.now() >= nextReport) {
        nextReport += 10_000;
        loads.push(loadavg()[0]!);
        console.log(
          `  ${Math.round((Date.now() - started) / 1000)} s: ${tally.acked} acked, backlog ${backlog}, ` +
            `load ${loads.at(-1)!.toFixed(1)}`,
        );
      }
    }
    running = false;
    await Promise.all(agents.map((agent) => agent.settled()));
    const ackedAt = Date.now();
    let count = await storedCount(pool);
    while (count < tally.acked && Date.now() - ackedAt < 300_000) {
      await sleep(250);
      count = await storedCount(pool);
    }
    const drainedAt = Date.now();
    // CPU per event of each stage: a figure that holds on a shared machine, where wall-clock rates do not.
    const perEvent = (seconds: number) =>
      Math.round(((seconds * 1e6) / Math.max(1, tally.acked)) * 100) / 100;
    const cpu = {
      gateway: perEvent(cpuSecondsOf(gateway.child.pid!) - cpuBefore.gateway),
      workers: perEvent(
        workers.reduce((sum, worker) => sum + cpuSecondsOf(worker.pid!), 0) - cpuBefore.workers,
      ),
      agents: perEvent(ownCpuSeconds() - cpuBefore.agents),
      postgres: perEvent(cpuSecondsSince(backendsBefore, await backendCpuSeconds(pool))),
      redis: perEvent((await redisCpuSeconds(redis)) - cpuBefore.redis),
    };
    const walAfter = await walStats(pool);
    const wal = {
      bytes: Math.round((walAfter.bytes - walBefore.bytes) / Math.max(1, tally.acked)),
      fullPages: Math.round(((walAfter.fpi - walBefore.fpi) / Math.max(1, tally.acked)) * 1000) / 1000,
    };
    console.log(
      `  WAL per event (the whole server: other work on it counts too): ${wal.bytes} bytes, ` +
        `${wal.fullPages} full-page images`,
    );
    console.log(
      `  CPU µs per event: gateway ${cpu.gateway}, worker(s) ${cpu.workers}, simulated agents ${cpu.agents}, ` +
        `PostgreSQL backends ${cpu.postgres}, Redis ${cpu.redis}`,
    );
    const distinct = Number((await pool.query('SELECT count(DISTINCT id) AS n FROM threat_event')).rows[0].n);
    if (count !== tally.acked || distinct !== tally.acked || tally.sent !== tally.acked) {
      throw new Error(
        `lost or doubled events: ${tally.sent} sent, ${tally.acked} acked, ${count} stored, ${distinct} distinct`,
      );
    }
    const rate = tally.acked / ((drainedAt - started) / 1000);
    const ackRate = tally.acked / ((ackedAt - started) / 1000);
    console.log(
      `reporting.ingest: ${Math.round(rate)} events/s end to end (${(rate / copied).toFixed(3)} of COPY)`,
    );
    recordResults([
      {
        name: 'reporting.ingest',
        unit: 'events/s',
        value: Math.round(rate),
        baseline: { name: 'raw COPY into threat_event', value: Math.round(copied) },
        ratio: rate / copied,
        target: `>= ${TARGET.toLocaleString('en-US')} events/s`,
        note:
          `${tally.acked} events sent, acknowledged and stored once (rows = distinct ids = sent) in ` +
          `${DURATION_MS / 1000} s of load plus a ${((drainedAt - ackedAt) / 1000).toFixed(1)} s drain ` +
          `(${Math.round(ackRate)}/s acknowledged; agents held back ${tally.paused}x on a ${MAX_BACKLOG}-batch ` +
          `backlog, ${tally.retries} retry-later answers); ${agents.length} simulated agents (raw ws, ${WINDOW} ` +
          `batches of ${BATCH} in flight each) -> services/stream (validation, BullMQ enqueue, eventsAck) -> ` +
          `${WORKERS} services/worker -> PostgreSQL; CPU µs per event: gateway ${cpu.gateway}, worker(s) ` +
          `${cpu.workers}, simulated agents ${cpu.agents}, PostgreSQL backends ${cpu.postgres}, Redis ${cpu.redis} ` +
          `(the whole server: other work on it counts too); WAL per event ${wal.bytes} bytes, ${wal.fullPages} ` +
          `full-page images (the whole server); ` +
          `load average ` +
          `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${cpus().length} cores during the run`,
      },
    ]);
  } finally {
    for (const agent of agents) agent.close();
    await Promise.all(workers.map(stopWorker));
    await gateway?.stop();
    redis.disconnect();
    await pool.end();
    await environment.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
