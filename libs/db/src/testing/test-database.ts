import { createHash, randomBytes } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { applyMigrations } from '../migrations/apply-migrations';
import { readMigrationFiles } from '../migrations/migration-files';
import { DEFAULT_MIGRATIONS_DIR } from '../paths';

export interface TestDatabase {
  /** Connection string of this test's own database. */
  readonly url: string;
  readonly prisma: PrismaClient;
  /** Disconnects and drops the database. */
  dispose(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** false: an empty database, for tests of migrations themselves (default true). */
  readonly migrated?: boolean;
}

const DEFAULT_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const TEMPLATE_PREFIX = 'threatline_template_';
// Serializes template builds across the test workers (and concurrent test runs).
const TEMPLATE_LOCK_SQL = `SELECT pg_advisory_lock(hashtextextended('threatline test template', 0))`;
const TEMPLATE_UNLOCK_SQL = `SELECT pg_advisory_unlock(hashtextextended('threatline test template', 0))`;

/** Templates of other migration sets left in place for concurrent runs (database OIDs give their age). */
const OTHER_TEMPLATES_KEPT = 3;

let template: Promise<string> | undefined;

function adminUrl(): string {
  return process.env.TEST_DATABASE_ADMIN_URL ?? DEFAULT_ADMIN_URL;
}

function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * The migrated template database, named after a hash of the migration files: built once
 * (by whichever worker gets the lock first) and reused while the migrations stay the same.
 * It only counts as built once marked IS_TEMPLATE, after its migrations succeeded.
 */
async function buildTemplate(): Promise<string> {
  const files = await readMigrationFiles(DEFAULT_MIGRATIONS_DIR);
  const hash = createHash('sha256')
    .update(files.map((file) => `${file.name}:${file.checksum}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const name = `${TEMPLATE_PREFIX}${hash}`;
  return withAdmin(async (admin) => {
    await admin.query(TEMPLATE_LOCK_SQL);
    try {
      const existing = await admin.query<{ datname: string; datistemplate: boolean }>(
        `SELECT datname, datistemplate FROM pg_database WHERE datname LIKE $1 ORDER BY oid DESC`,
        [`${TEMPLATE_PREFIX}%`],
      );
      if (existing.rows.some((row) => row.datname === name && row.datistemplate)) return name;
      // A half-built template a crashed run left behind (builds hold the lock), and the oldest templates of other
      // migration sets. The newest few stay: a run of another checkout (another branch, uncommitted migrations)
      // may be using one right now, and dropping it would fail that run's next CREATE DATABASE.
      const built = existing.rows.filter((row) => row.datistemplate);
      const stale = [
        ...existing.rows.filter((row) => !row.datistemplate),
        ...built.slice(OTHER_TEMPLATES_KEPT),
      ];
      for (const row of stale) {
        await admin.query(`ALTER DATABASE "${row.datname}" WITH IS_TEMPLATE false`);
        await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
      }
      await admin.query(`CREATE DATABASE "${name}"`);
      const pool = new pg.Pool({ connectionString: databaseUrl(name), max: 1 });
      try {
        await applyMigrations(pool);
      } finally {
        await pool.end();
      }
      await admin.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE true`);
      return name;
    } finally {
      await admin.query(TEMPLATE_UNLOCK_SQL);
    }
  });
}

/**
 * A fresh PostgreSQL database for one test file: a copy of the migrated template (a file
 * copy on the server, a few tens of ms), or an empty one. The admin connection is
 * TEST_DATABASE_ADMIN_URL, by default postgresql://postgres@127.0.0.1:5432/postgres.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const source = options.migrated === false ? 'template0' : await (template ??= buildTemplate());
  const name = `threatline_test_${randomBytes(8).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${source}"`));
  const url = databaseUrl(name);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  return {
    url,
    prisma,
    dispose: async () => {
      await prisma.$disconnect();
      await withAdmin(async (admin) => {
        // A pool's end() resolves before the server has closed its sessions; terminating
        // them (DROP ... FORCE) would then raise 57P01 in a client nobody listens to any more.
        await waitForNoSessions(admin, name);
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    },
  };
}

const SESSION_DRAIN_MS = 5000;

async function waitForNoSessions(admin: pg.Client, name: string): Promise<void> {
  const deadline = Date.now() + SESSION_DRAIN_MS;
  while (Date.now() < deadline) {
    const { rows } = await admin.query<{ count: string }>(
      'SELECT count(*) FROM pg_stat_activity WHERE datname = $1',
      [name],
    );
    if (rows[0]?.count === '0') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
