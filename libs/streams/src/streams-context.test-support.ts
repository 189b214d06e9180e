// A Nest application context with the streams on a fresh test database and the in-process bus, for this library's
// integration tests.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@threatline/config';
import { DbModule, PrismaService, type PrismaClient } from '@threatline/db';
import { createTestDatabase } from '@threatline/db/testing';
import { MessagingModule, PubSub } from '@threatline/messaging';
import {
  PROTOCOL_VERSION,
  parseSnapshotBody,
  stateChecksumOf,
  type Delta,
  type SnapshotFrameHeader,
  type StreamEntry,
} from '@threatline/protocol';
import { expect } from 'vitest';
import { AckRecorder } from './ack-recorder';
import type { AppliedChanges, StreamChange } from './stream-change';
import { StreamMaintenance } from './stream-maintenance';
import { StreamReader, type ReadSinceResult } from './stream-reader';
import { StreamWriter } from './stream-writer';
import { StreamsModule } from './streams.module';

export interface StreamsContext {
  app: INestApplicationContext;
  prisma: PrismaService;
  writer: StreamWriter;
  reader: StreamReader;
  acks: AckRecorder;
  maintenance: StreamMaintenance;
  pubSub: PubSub;
  /** `writer.apply` in a transaction of its own. */
  apply(streamId: string, changes: StreamChange[]): Promise<AppliedChanges>;
  close(): Promise<void>;
}

export interface StreamsContextOptions {
  /** Variables on top of the test defaults. */
  env?: Record<string, string>;
  /** The embedded PGlite (in a temporary directory) instead of a PostgreSQL test database. */
  embedded?: boolean;
}

export async function createStreamsContext(options: StreamsContextOptions = {}): Promise<StreamsContext> {
  const dataDir = await mkdtemp(join(tmpdir(), 'threatline-streams-'));
  const database = options.embedded ? undefined : await createTestDatabase();
  const config = loadConfig({
    ...(database ? { DATABASE_URL: database.url } : {}),
    DATA_DIR: dataDir,
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'silent',
    ...options.env,
  });

  @Module({
    imports: [
      ConfigModule.forRoot(config),
      DbModule.forRoot({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrateOnStart: false }),
      MessagingModule.forRoot({ redisUrl: undefined, prefix: 'streams-test' }),
      StreamsModule,
    ],
  })
  class StreamsTestModule {}

  const app = await NestFactory.createApplicationContext(StreamsTestModule, { logger: false });
  const prisma = app.get(PrismaService);
  const writer = app.get(StreamWriter);
  return {
    app,
    prisma,
    writer,
    reader: app.get(StreamReader),
    acks: app.get(AckRecorder),
    maintenance: app.get(StreamMaintenance),
    pubSub: app.get(PubSub),
    // Generous limits: writers of one stream queue on its row lock, and CI machines are slow.
    apply: (streamId, changes) =>
      prisma.$transaction((tx) => writer.apply(tx, streamId, changes), { maxWait: 60_000, timeout: 60_000 }),
    async close() {
      await app.close();
      if (database) {
        await untilOtherSessionsEnd(database.prisma);
        await database.dispose();
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * pg's Pool.end() resolves once its clients are told to end, not once their sessions closed; dropping the database
 * (WITH FORCE) in between kills them and the closing client throws an uncaught error. So wait for them to go.
 */
async function untilOtherSessionsEnd(prisma: PrismaClient): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [{ sessions }] = await prisma.$queryRaw<[{ sessions: number }]>`
      SELECT count(*)::int AS sessions FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`;
    if (sessions === 0) return;
    await setTimeout(20);
  }
}

export interface StoredStream {
  epoch: number;
  head: number;
  checksum: string;
  entryCount: number;
  logStartSeq: number;
  entries: Map<string, StreamEntry>;
  deltas: Delta[];
}

export async function storedStream(prisma: PrismaService, streamId: string): Promise<StoredStream> {
  const [row] = await prisma.$queryRaw<
    { epoch: number; head_seq: bigint; checksum: string; entry_count: number; log_start_seq: bigint }[]
  >`SELECT epoch, head_seq, checksum, entry_count, log_start_seq FROM stream WHERE id = ${streamId}`;
  const entries = await prisma.$queryRaw<{ key: string; entry: StreamEntry }[]>`
    SELECT key, entry FROM stream_entry WHERE stream_id = ${streamId}`;
  const deltas = await prisma.$queryRaw<
    { seq: bigint; op: 'upsert' | 'remove'; key: string; entry: StreamEntry | null }[]
  >`
    SELECT seq, op, key, entry FROM stream_delta WHERE stream_id = ${streamId} ORDER BY seq`;
  return {
    epoch: row?.epoch ?? 0,
    head: Number(row?.head_seq ?? 0),
    checksum: row?.checksum ?? '',
    entryCount: row?.entry_count ?? 0,
    logStartSeq: Number(row?.log_start_seq ?? 0),
    entries: new Map(entries.map((e) => [e.key, e.entry])),
    deltas: deltas.map((d) =>
      d.op === 'upsert'
        ? { seq: Number(d.seq), op: 'upsert', key: d.key, entry: d.entry! }
        : { seq: Number(d.seq), op: 'remove', key: d.key },
    ),
  };
}

/** Applies deltas to a state, as an agent does. */
export function replay(state: Map<string, StreamEntry>, deltas: readonly Delta[]): Map<string, StreamEntry> {
  const next = new Map(state);
  for (const delta of deltas) {
    if (delta.op === 'upsert') next.set(delta.key, delta.entry);
    else next.delete(delta.key);
  }
  return next;
}

/**
 * The invariants of a stream whose log was never compacted: seqs 1..head without a gap, the log replayed from empty
 * gives the entries, and count and checksum match the entries computed from scratch.
 */
export function expectConsistent(streamId: string, stream: StoredStream): void {
  expect(stream.deltas.map((delta) => delta.seq)).toEqual(
    Array.from({ length: stream.head }, (_, i) => i + 1),
  );
  expect(replay(new Map(), stream.deltas)).toEqual(stream.entries);
  expect(stream.entryCount).toBe(stream.entries.size);
  expect(stream.checksum).toBe(stateChecksumOf(streamId, stream.entries.values()));
}

/** The entries of a snapshot read, decoded and checked as an agent does it (and throwing where an agent refuses). */
export function snapshotEntries(streamId: string, result: ReadSinceResult): StreamEntry[] {
  if (result.kind !== 'snapshot') throw new Error(`expected a snapshot, got ${result.kind}`);
  const header: SnapshotFrameHeader = {
    type: 'snapshot',
    v: PROTOCOL_VERSION,
    stream: streamId,
    epoch: result.epoch,
    seq: result.seq,
    checksum: result.checksum,
    count: result.count,
    format: result.body.format,
    encoding: 'identity',
  };
  const parsed = parseSnapshotBody(header, result.body.text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.message.entries;
}
