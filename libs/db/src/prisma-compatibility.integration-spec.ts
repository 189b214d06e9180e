import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from './migrations/apply-migrations';
import { MIGRATION_LOCK_FILE, readMigrationFiles } from './migrations/migration-files';
import { DEFAULT_MIGRATIONS_DIR, SCHEMA_PATH } from './paths';
import { withPgliteEngineAdapter } from './schema-engine/pglite-engine-adapter';
import { postgresIntrospectionAdapter } from './schema-engine/postgres-introspection-adapter';
import {
  NO_FILTERS,
  toMigrationList,
  withSchemaEngine,
  type MigrationHistory,
} from './schema-engine/schema-engine';
import { createTestDatabase, type TestDatabase } from './testing';

// This runner and Prisma Migrate must read and write one history: Prisma's own engine
// (the code behind `prisma migrate status` and `deploy`) judges what the runner recorded,
// and the runner accepts what Prisma recorded.

let schema: string;
let history: MigrationHistory;

beforeAll(async () => {
  schema = await readFile(SCHEMA_PATH, 'utf8');
  history = {
    baseDir: DEFAULT_MIGRATIONS_DIR,
    lockfile: await readFile(join(DEFAULT_MIGRATIONS_DIR, MIGRATION_LOCK_FILE), 'utf8'),
    migrations: await readMigrationFiles(DEFAULT_MIGRATIONS_DIR),
  };
});

describe('a PostgreSQL database migrated by this runner', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url });
  });
  afterAll(async () => {
    await pool.end();
    await database.dispose();
  });

  it('is up to date, unedited and without failures in the eyes of Prisma Migrate', async () => {
    const diagnosis = await withSchemaEngine(schema, postgresIntrospectionAdapter(pool), (engine) =>
      engine.diagnoseMigrationHistory({
        migrationsList: toMigrationList(history),
        optInToShadowDatabase: false,
        filters: NO_FILTERS,
      }),
    );
    expect(diagnosis).toEqual({
      hasMigrationsTable: true,
      history: null,
      editedMigrationNames: [],
      failedMigrationNames: [],
    });
  });
});

describe('a database migrated by Prisma Migrate', () => {
  it('needs nothing more from this runner, which accepts its checksums', async () => {
    const db = new PGlite();
    try {
      const { appliedMigrationNames } = await withPgliteEngineAdapter(
        (adapter) =>
          withSchemaEngine(schema, adapter, (engine) =>
            engine.applyMigrations({ migrationsList: toMigrationList(history), filters: NO_FILTERS }),
          ),
        db,
      );
      expect(appliedMigrationNames).toEqual(history.migrations.map((migration) => migration.name));
      await expect(applyMigrations(db)).resolves.toEqual({ applied: [] });
    } finally {
      await db.close();
    }
  });
});
