import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DbHealth } from './db-health';
import type { DbModuleOptions } from './db-module-options';
import { DbModule } from './db.module';
import { readMigrationFiles } from './migrations/migration-files';
import { DEFAULT_MIGRATIONS_DIR } from './paths';
import { PrismaService } from './prisma.service';
import { createTestDatabase, type TestDatabase } from './testing';

let dataDir: string;
const started: INestApplicationContext[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'threatline-db-module-'));
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.close()));
  await rm(dataDir, { recursive: true, force: true });
});

async function start(options: DbModuleOptions): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(DbModule.forRoot(options), { logger: false });
  started.push(app);
  return app;
}

async function stop(app: INestApplicationContext): Promise<void> {
  started.splice(started.indexOf(app), 1);
  await app.close();
}

async function appliedMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query(`SELECT to_regclass('_prisma_migrations') AS name`);
    if ((table.rows[0] as { name: string | null }).name === null) return [];
    const rows = await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM _prisma_migrations ORDER BY migration_name',
    );
    return rows.rows.map((row) => row.migration_name);
  } finally {
    await client.end();
  }
}

describe('DbModule on PostgreSQL (databaseUrl set)', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase({ migrated: false });
  });
  afterEach(() => database.dispose());

  it('migrates the database at start and serves queries', async () => {
    const app = await start({ databaseUrl: database.url, dataDir });
    const expected = (await readMigrationFiles(DEFAULT_MIGRATIONS_DIR)).map((file) => file.name);
    expect(await appliedMigrations(database.url)).toEqual(expected);
    const prisma = app.get(PrismaService);
    await prisma.tenant.create({ data: { name: 'acme' } });
    expect(await prisma.tenant.count()).toBe(1);
    await expect(app.get(DbHealth).ping()).resolves.toBeUndefined();
  });

  it('leaves migrating to `npm run db:migrate` when migrateOnStart is false', async () => {
    await start({ databaseUrl: database.url, dataDir, migrateOnStart: false });
    expect(await appliedMigrations(database.url)).toEqual([]);
  });

  it('closes its pool on shutdown', async () => {
    const app = await start({ databaseUrl: database.url, dataDir });
    const health = app.get(DbHealth);
    await stop(app);
    await expect(health.ping()).rejects.toThrow();
  });
});

describe('DbModule on embedded PGlite (no databaseUrl)', () => {
  it('migrates at start, keeps its data across a restart, and closes PGlite on shutdown', async () => {
    const first = await start({ dataDir });
    const prisma = first.get(PrismaService);
    await prisma.tenant.create({ data: { name: 'acme', eventRetentionDays: 90 } });
    // The integrity rules are there too.
    await expect(prisma.tenant.create({ data: { name: 'x', eventRetentionDays: 0 } })).rejects.toThrow(
      /tenant_event_retention_days_range/,
    );
    const firstHealth = first.get(DbHealth);
    await stop(first);
    await expect(firstHealth.ping()).rejects.toThrow();

    const second = await start({ dataDir });
    expect(
      await second.get(PrismaService).tenant.findMany({ select: { name: true, eventRetentionDays: true } }),
    ).toEqual([{ name: 'acme', eventRetentionDays: 90 }]);
    await expect(second.get(DbHealth).ping()).resolves.toBeUndefined();
  });
});
