import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing';
import { applyMigrations, MigrationFailedError, MigrationHistoryError } from './apply-migrations';
import { migrationChecksum } from './migration-files';

// Small migrations of their own, so these tests pin the runner and not the product schema.
// The function body holds semicolons inside dollar quotes: scripts must run whole.
const CREATE_WIDGET = `CREATE TABLE widget (id serial PRIMARY KEY, name text NOT NULL);
CREATE FUNCTION widget_name_upper() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.name := upper(NEW.name);
  RETURN NEW;
END;
$$;
CREATE TRIGGER widget_name_upper BEFORE INSERT ON widget FOR EACH ROW EXECUTE FUNCTION widget_name_upper();
`;
const ADD_COLOUR = `ALTER TABLE widget ADD COLUMN colour text;\n`;

interface Backend {
  readonly name: string;
  open(): Promise<{
    target: pg.Pool | PGliteInterface;
    query(sql: string): Promise<unknown[]>;
    close(): Promise<void>;
  }>;
}

let emptyPglite: Promise<PGlite> | undefined;
afterAll(async () => (await emptyPglite)?.close());

const backends: Backend[] = [
  {
    name: 'PostgreSQL',
    async open() {
      const database: TestDatabase = await createTestDatabase({ migrated: false });
      const pool = new pg.Pool({ connectionString: database.url });
      return {
        target: pool,
        query: async (sql) => (await pool.query(sql)).rows as unknown[],
        close: async () => {
          await pool.end();
          await database.dispose();
        },
      };
    },
  },
  {
    name: 'PGlite',
    async open() {
      // A clone of one empty instance costs a fraction of a fresh PGlite's start.
      const db = await (await (emptyPglite ??= PGlite.create())).clone();
      return {
        target: db,
        query: async (sql: string) => (await db.query(sql)).rows,
        close: () => db.close(),
      };
    },
  },
];

let migrationsDir: string;

async function writeMigration(name: string, script: string): Promise<void> {
  await mkdir(join(migrationsDir, name), { recursive: true });
  await writeFile(join(migrationsDir, name, 'migration.sql'), script);
}

beforeEach(async () => {
  migrationsDir = await mkdtemp(join(tmpdir(), 'threatline-runner-'));
  await writeFile(join(migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  await writeMigration('20260101000000_widget', CREATE_WIDGET);
  await writeMigration('20260102000000_colour', ADD_COLOUR);
});
afterEach(() => rm(migrationsDir, { recursive: true, force: true }));

describe.each(backends)('applyMigrations on $name', (backend) => {
  let db: Awaited<ReturnType<Backend['open']>>;
  beforeEach(async () => {
    db = await backend.open();
  });
  afterEach(() => db.close());

  it('applies every migration once and records it as Prisma Migrate does', async () => {
    const result = await applyMigrations(db.target, { migrationsDir });
    expect(result.applied).toEqual(['20260101000000_widget', '20260102000000_colour']);
    await db.query(`INSERT INTO widget (name, colour) VALUES ('bolt', 'red')`);
    expect(await db.query('SELECT name, colour FROM widget')).toEqual([{ name: 'BOLT', colour: 'red' }]);
    const records = await db.query('SELECT * FROM _prisma_migrations ORDER BY started_at');
    expect(records).toEqual([
      expect.objectContaining({
        migration_name: '20260101000000_widget',
        checksum: migrationChecksum(CREATE_WIDGET),
        applied_steps_count: 1,
        logs: null,
        rolled_back_at: null,
        finished_at: expect.any(Date),
        started_at: expect.any(Date),
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      }),
      expect.objectContaining({
        migration_name: '20260102000000_colour',
        checksum: migrationChecksum(ADD_COLOUR),
      }),
    ]);
  });

  it('applies nothing the second time, and only the new migration later', async () => {
    await applyMigrations(db.target, { migrationsDir });
    expect((await applyMigrations(db.target, { migrationsDir })).applied).toEqual([]);
    await writeMigration('20260103000000_size', 'ALTER TABLE widget ADD COLUMN size int;\n');
    expect((await applyMigrations(db.target, { migrationsDir })).applied).toEqual(['20260103000000_size']);
    expect(await db.query('SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([{ n: 3 }]);
  });

  it('refuses to run when an applied migration file was changed', async () => {
    await applyMigrations(db.target, { migrationsDir });
    await writeMigration('20260102000000_colour', 'ALTER TABLE widget ADD COLUMN color text;\n');
    await writeMigration('20260103000000_size', 'ALTER TABLE widget ADD COLUMN size int;\n');
    const run = applyMigrations(db.target, { migrationsDir });
    await expect(run).rejects.toThrow(MigrationHistoryError);
    await expect(run).rejects.toThrow(/20260102000000_colour was changed after it was applied/);
    // Nothing after the check ran.
    expect(await db.query('SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([{ n: 2 }]);
  });

  it('accepts an applied migration whose line endings changed on checkout', async () => {
    await applyMigrations(db.target, { migrationsDir });
    await writeMigration('20260102000000_colour', ADD_COLOUR.replaceAll('\n', '\r\n'));
    await expect(applyMigrations(db.target, { migrationsDir })).resolves.toEqual({ applied: [] });
  });

  it('records a failing migration with its error, and refuses later runs until it is resolved', async () => {
    await writeMigration(
      '20260103000000_broken',
      'ALTER TABLE widget ADD COLUMN size int;\nSELECT * FROM nowhere;\n',
    );
    await expect(applyMigrations(db.target, { migrationsDir })).rejects.toThrow(MigrationFailedError);
    const [failed] = await db.query(
      `SELECT finished_at, applied_steps_count, logs FROM _prisma_migrations WHERE migration_name = '20260103000000_broken'`,
    );
    expect(failed).toMatchObject({
      finished_at: null,
      applied_steps_count: 0,
      logs: expect.stringContaining('42P01'),
    });
    // The script ran as one transaction: its first statement did not stick.
    expect(
      await db.query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'widget' AND column_name = 'size'`,
      ),
    ).toEqual([]);
    await expect(applyMigrations(db.target, { migrationsDir })).rejects.toThrow(/failed migrations/);
    // What `prisma migrate resolve --rolled-back` does, after the file was fixed.
    await db.query(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE finished_at IS NULL`);
    await writeMigration('20260103000000_broken', 'ALTER TABLE widget ADD COLUMN size int;\n');
    expect((await applyMigrations(db.target, { migrationsDir })).applied).toEqual(['20260103000000_broken']);
  });
});

describe('applyMigrations on PostgreSQL from several processes at once', () => {
  it('applies each migration exactly once', async () => {
    const database = await createTestDatabase({ migrated: false });
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: database.url, max: 1 }));
    try {
      const results = await Promise.all(pools.map((pool) => applyMigrations(pool, { migrationsDir })));
      expect(results.flatMap((result) => result.applied).sort()).toEqual([
        '20260101000000_widget',
        '20260102000000_colour',
      ]);
      const [count] = (await pools[0]!.query('SELECT count(*)::int AS n FROM _prisma_migrations')).rows;
      expect(count).toEqual({ n: 2 });
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await database.dispose();
    }
  });
});
