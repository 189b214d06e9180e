import { Global, Module, type DynamicModule, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@threatline/config';
import { DbModule, PrismaService, type PrismaClient } from '@threatline/db';
import { createTestDatabase, type TestDatabase } from '@threatline/db/testing';
import { MessagingModule } from '@threatline/messaging';
import { deleteRedisKeys, TEST_REDIS_URL } from '@threatline/messaging/testing';
import { ObservabilityModule } from '@threatline/observability';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock, CLOCK_OVERRIDE } from '../clock';

/** A clock a test moves by hand. */
export class ManualClock extends Clock {
  constructor(private at: Date) {
    super();
  }

  now(): Date {
    return new Date(this.at);
  }

  set(at: Date): void {
    this.at = at;
  }
}

export interface ReportingContext {
  app: INestApplicationContext;
  prisma: PrismaClient;
  /** Null on the embedded PGlite. */
  database: TestDatabase | null;
  queuePrefix: string;
  close(): Promise<void>;
}

export interface ReportingContextOptions {
  /** Modules under test (ReportingWorkerModule.forRoot(...), ReportingIngestModule). */
  imports: (Type | DynamicModule)[];
  /** Redis of the queues; in-process queues (embedded mode) when null. Default: the test Redis. */
  redisUrl?: string | null;
  clock?: Clock;
  /** An existing database (a second process of the same test); a fresh one by default. */
  database?: TestDatabase;
  /** Run on the embedded PGlite (in a temporary data directory) instead of PostgreSQL. */
  pglite?: boolean;
  queuePrefix?: string;
}

/**
 * A worker-like application context on a real PostgreSQL database (fresh, migrated) and a real Redis under a
 * random key prefix, with an optional controllable clock.
 */
export async function createReportingContext(options: ReportingContextOptions): Promise<ReportingContext> {
  const ownsDatabase = options.database === undefined && !options.pglite;
  const database = options.pglite ? null : (options.database ?? (await createTestDatabase()));
  const dataDir = await mkdtemp(join(tmpdir(), 'threatline-reporting-'));
  const queuePrefix = options.queuePrefix ?? `test-${randomUUID().slice(0, 8)}`;
  const redisUrl = options.redisUrl === undefined ? TEST_REDIS_URL : options.redisUrl;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    QUEUE_PREFIX: queuePrefix,
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'silent',
  });
  @Global()
  @Module({
    providers: options.clock ? [{ provide: CLOCK_OVERRIDE, useValue: options.clock }] : [],
    exports: options.clock ? [CLOCK_OVERRIDE] : [],
  })
  class TestClockModule {}
  @Module({
    imports: [
      TestClockModule,
      ConfigModule.forRoot(config),
      ObservabilityModule,
      DbModule.forRoot({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        migrateOnStart: !database,
      }),
      MessagingModule.forRoot({ redisUrl: config.redisUrl, prefix: queuePrefix }),
      ...options.imports,
    ],
  })
  class ReportingTestModule {}
  const app = await NestFactory.createApplicationContext(ReportingTestModule, { logger: false });
  await app.init();
  return {
    app,
    prisma: database?.prisma ?? app.get(PrismaService),
    database,
    queuePrefix,
    async close() {
      await app.close();
      if (redisUrl === TEST_REDIS_URL) await deleteRedisKeys(`${queuePrefix}:*`);
      if (ownsDatabase) await database?.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
