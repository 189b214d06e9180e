import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from './migrations/apply-migrations';
import { MIGRATION_LOCK_FILE, readMigrationFiles } from './migrations/migration-files';
import { DEFAULT_MIGRATIONS_DIR, SCHEMA_PATH } from './paths';
import { withPgliteEngineAdapter } from './schema-engine/pglite-engine-adapter';
import { postgresIntrospectionAdapter } from './schema-engine/postgres-introspection-adapter';
import { diffDatabaseToSchema, diffMigrationsToSchema } from './schema-engine/schema-engine';
import { createTestDatabase, type TestDatabase } from './testing';

// The drift check: the database that prisma/migrations produce must be exactly the one
// schema.prisma describes. When this fails, the message is the SQL that is missing; put it
// in a new migration (`npm run db:migration -- <name>` writes it for you).

let schema: string;

beforeAll(async () => {
  schema = await readFile(SCHEMA_PATH, 'utf8');
});

function expectNoDrift(script: string | null): void {
  expect(script, `schema.prisma and prisma/migrations disagree; missing SQL:\n${script ?? ''}`).toBeNull();
}

describe('on PostgreSQL migrated by the runner', () => {
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

  it('the database matches schema.prisma', async () => {
    expectNoDrift(await diffDatabaseToSchema(postgresIntrospectionAdapter(pool), schema));
  });

  it('reports drift when schema.prisma has a column the migrations lack', async () => {
    const changed = schema.replace(/(model Tenant \{\n)/, '$1  motto String?\n');
    expect(changed).not.toBe(schema);
    const script = await diffDatabaseToSchema(postgresIntrospectionAdapter(pool), changed);
    expect(script).toContain('ALTER TABLE "tenant" ADD COLUMN     "motto" TEXT');
  });

  it('reports drift when the migrations have an index schema.prisma lacks', async () => {
    const changed = schema.replace('  @@index([tenantId, status])\n', '');
    const script = await diffDatabaseToSchema(postgresIntrospectionAdapter(pool), changed);
    expect(script).toContain('DROP INDEX "firewall_tenant_id_status_idx"');
  });
});

describe('on PGlite migrated by the runner', () => {
  it('the database matches schema.prisma', async () => {
    const db = new PGlite();
    try {
      await applyMigrations(db);
      expectNoDrift(await diffDatabaseToSchema(new PrismaPGlite(db), schema));
    } finally {
      await db.close();
    }
  });
});

describe('the migration history replayed on a shadow database', () => {
  it('matches schema.prisma, so `npm run db:migration` has nothing to write', async () => {
    const lockfile = await readFile(`${DEFAULT_MIGRATIONS_DIR}/${MIGRATION_LOCK_FILE}`, 'utf8');
    const migrations = await readMigrationFiles(DEFAULT_MIGRATIONS_DIR);
    const script = await withPgliteEngineAdapter((adapter) =>
      diffMigrationsToSchema(adapter, { baseDir: DEFAULT_MIGRATIONS_DIR, lockfile, migrations }, schema),
    );
    expectNoDrift(script);
  });
});
