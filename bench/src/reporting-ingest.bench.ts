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
/** deploy/stream/Dockerfile's node flags (until session 10 this bench ran the gateway without them). */
const DEPLOYED_GATEWAY_FLAGS = ['--optimize-for-size', '--max-semi-space-size=16'];
/** A directory for the gateway's and workers' CPU profiles (node --cpu-prof, written when they exit on SIGTERM). */
const CPU_PROF_DIR = process.env.BENCH_INGEST_CPU_PROF;
const PROFILE_ENV: Record<string, string> = CPU_PROF_DIR
  ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROF_DIR}` }
  : {};

/** A batch as an agent sends it: mixed drops and logs over a few hundred indicators, one per millisecond. */
function batchOf(size: number, seed: number): ThreatEvent[] {
  const occurredAt = timesOf(size);
  return Array.from({ length: size }, (_, i) => {
    const n = seed + i;
    const drop = n % 5 < 3;
    return {
      id: randomUUID(),
      occurredAt: occurredAt[i]!,
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
 * The times of a batch's events: one per millisecond, the last one `last`. A real agent's batch holds what it logged
 * since its last upload, each event at its own time; one time for a whole batch would flatter PostgreSQL (the audit
 * ID index, whose key ends with the time, then holds runs of equal keys it stores deduplicated).
 */
function timesOf(size: number, last = Date.now()): string[] {
  return Array.from({ length: size }, (_, i) => new Date(last - (size - 1 - i)).toISOString());
}

/**
 * The `events` frames of one simulated agent, built as bytes from a template: the text JSON.stringify makes of
 * batchOf(BATCH, seed) (checkFrames holds them together), with the batch id, each event's id (fresh from
 * randomUUID for every batch) and its time (timesOf) written into their places. The
 * simulated agents share the cores with the services they load, which real agents, running on the firewalls, do
 * not: building each frame as text (string concatenation, then one 380 KB string for ws to encode and mask into a
 * copy) cost them 3.6-4.7 µs of the bench's CPU per event. A firewall's batches repeat the same mix of indicators,
 * addresses and hosts (the text-built batches varied two of them from batch to batch); every event is its own, with
 * its own id.
 */
class FrameTemplate {
  private readonly bytes: Buffer;
  /** Frames written and sent, to fill again: a fresh 380 KB buffer per frame is faulted in afresh every time. */
  private readonly free: Buffer[] = [];
  private readonly batchIdAt: number;
  private readonly idsAt: number[] = [];
  private readonly timesAt: number[] = [];

  constructor(seed: number, size: number) {
    const events = batchOf(size, seed).map((event) => ({ ...event, id: ID_SLOT, occurredAt: TIME_SLOT }));
    const text = JSON.stringify({ type: 'events', v: 1, batchId: BATCH_ID_SLOT, events });
    this.bytes = Buffer.from(text);
    this.batchIdAt = text.indexOf(BATCH_ID_SLOT);
    for (let at = text.indexOf(ID_SLOT); at >= 0; at = text.indexOf(ID_SLOT, at + 1)) this.idsAt.push(at);
    for (let at = text.indexOf(TIME_SLOT); at >= 0; at = text.indexOf(TIME_SLOT, at + 1))
      this.timesAt.push(at);
    if (this.idsAt.length !== size || this.timesAt.length !== size)
      throw new Error('template slots not found');
  }

  /** The frame of a batch, in a buffer of its own until given back with release. */
  frame(batchId: string, ids: readonly string[], last: number): Buffer {
    const bytes = this.free.pop() ?? Buffer.from(this.bytes);
    bytes.write(batchId, this.batchIdAt, 'latin1');
    // The times of timesOf(ids.length, last), written in place: the text of each second once (a batch spans one or
    // two), then each event's milliseconds as three digits (a toISOString per event cost the simulated agents about
    // 0.7 µs of CPU per event).
    let second = NaN;
    let prefix = '';
    for (let i = 0; i < ids.length; i++) {
      bytes.write(ids[i]!, this.idsAt[i]!, 'latin1');
      const at = last - (ids.length - 1 - i);
      if (Math.floor(at / 1000) !== second) {
        second = Math.floor(at / 1000);
        prefix = new Date(second * 1000).toISOString().slice(0, 20);
      }
      const slot = this.timesAt[i]!;
      bytes.write(prefix, slot, 'latin1');
      const ms = at % 1000;
      bytes[slot + 20] = 48 + Math.floor(ms / 100);
      bytes[slot + 21] = 48 + (Math.floor(ms / 10) % 10);
      bytes[slot + 22] = 48 + (ms % 10);
    }
    return bytes;
  }

  /** A frame sent (its bytes written to the socket): its buffer serves the next. */
  release(frame: Buffer): void {
    this.free.push(frame);
  }
}

/** Placeholders of the template, as long as what replaces them. */
const ID_SLOT = '########-####-4###-8###-############';
const TIME_SLOT = '####-##-##T##:##:##.###Z';
const BATCH_ID_SLOT = batchIdOf(0, 0).replace(/./g, '@');

/** Batch ids of one length: `b-<lane, 3 digits>-<batch, 8 digits>`. */
function batchIdOf(lane: number, batch: number): string {
  return `b-${String(lane).padStart(3, '0')}-${String(batch).padStart(8, '0')}`;
}

/** A frame of FrameTemplate must say what JSON.stringify says of the same events. */
function checkFrames(): void {
  const ids = Array.from({ length: 20 }, () => randomUUID());
  // A last time whose batch spans two seconds.
  const last = Math.floor(Date.now() / 1000) * 1000 + 7;
  const occurredAt = timesOf(20, last);
  const frame = new FrameTemplate(7, 20).frame(batchIdOf(1, 2), ids, last).toString();
  const expected = JSON.stringify({
    type: 'events',
    v: 1,
    batchId: batchIdOf(1, 2),
    events: batchOf(20, 7).map((event, i) => ({ ...event, id: ids[i], occurredAt: occurredAt[i] })),
  });
  if (frame !== expected)
    throw new Error(`FrameTemplate differs from JSON.stringify:\n${frame}\n${expected}`);
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
 * a batch refused with `events_retry_later` again after a pause, as the real agent does (the same events: their ids
 * and time are kept for it).
 */
class SimulatedAgent {
  private socket!: WebSocket;
  private readonly frames: FrameTemplate;
  /** The events' ids and the last event's time (ms) of each batch in flight, to send it again as it was. */
  private readonly inFlight = new Map<string, { ids: string[]; last: number }>();
  private next = 0;
  private drained: (() => void) | undefined;

  constructor(
    private readonly firewall: BenchFirewall,
    private readonly lane: number,
    private readonly tally: Tally,
    private readonly mayAdd: () => boolean,
  ) {
    this.frames = new FrameTemplate(lane * 1_000_000, BATCH);
  }

  async connect(url: string): Promise<void> {
    this.socket = new WebSocket(url, {
      perMessageDeflate: false,
      headers: { Authorization: `Bearer ${this.firewall.credential}` },
      generateMask: (mask) => mask.fill(0),
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
      const batchId = batchIdOf(this.lane, this.next++);
      const batch = {
        ids: Array.from({ length: BATCH }, () => randomUUID()),
        last: Date.now(),
      };
      this.inFlight.set(batchId, batch);
      this.tally.sent += BATCH;
      this.send(this.frames.frame(batchId, batch.ids, batch.last));
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

  /**
   * A text frame (ws sends a Buffer as binary unless told otherwise, and the gateway closes on binary frames). The
   * socket's masking key is zero (connect), so ws writes the frame's buffer as it is instead of a masked copy: no
   * fresh 380 KB buffer per frame on the bench's side. The gateway unmasks every frame all the same.
   */
  private send(frame: Buffer): void {
    this.socket.send(frame, { binary: false }, () => this.frames.release(frame));
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
    const { ids, last } = this.inFlight.get(batchId)!;
    setTimeout(() => this.send(this.frames.frame(batchId, ids, last)), 200);
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
  checkFrames();
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

    // With deploy/stream's flags: the gateway as it runs in production (V8 keeps its heap near what is live).
    gateway = await startService('stream', database.url, prefix, PROFILE_ENV, DEPLOYED_GATEWAY_FLAGS);
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
