import type { PGliteInterface } from '@electric-sql/pglite';
import pg from 'pg';

/** A database that migrations can be applied to: a PostgreSQL pool, or an embedded PGlite. */
export type MigrationTarget = pg.Pool | PGliteInterface;

/** One connection, held for a whole migration run. */
export interface MigrationSession {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a whole multi-statement script (simple query protocol, one implicit transaction). */
  exec(script: string): Promise<void>;
  /** Waits until no other process is migrating this database. */
  lock(timeoutMs: number): Promise<void>;
  release(): Promise<void>;
}

// The advisory lock key Prisma Migrate takes, so this runner and `prisma migrate deploy`
// also exclude each other.
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export class MigrationLockTimeoutError extends Error {
  override readonly name = 'MigrationLockTimeoutError';
}

async function openPostgresSession(pool: pg.Pool): Promise<MigrationSession> {
  const client = await pool.connect();
  let locked = false;
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
    exec: async (script) => {
      await client.query(script);
    },
    lock: async (timeoutMs) => {
      await client.query(`SET lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
      try {
        await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
        locked = true;
      } catch (error) {
        if ((error as { code?: string }).code === '55P03') {
          throw new MigrationLockTimeoutError(
            `another process held the migration lock for more than ${timeoutMs} ms`,
            { cause: error },
          );
        }
        throw error;
      } finally {
        await client.query('RESET lock_timeout');
      }
    },
    release: async () => {
      try {
        if (locked) await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
        client.release();
      } catch (error) {
        // Destroying the connection also drops its session lock; the run's own outcome stands.
        client.release(error as Error);
      }
    },
  };
}

function openPgliteSession(db: PGliteInterface): MigrationSession {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await db.query<Row>(sql, params)).rows,
    exec: async (script) => {
      await db.exec(script);
    },
    // PGlite lives inside this process and its data directory admits a single instance.
    lock: () => Promise.resolve(),
    release: () => Promise.resolve(),
  };
}

export async function openMigrationSession(target: MigrationTarget): Promise<MigrationSession> {
  return target instanceof pg.Pool ? openPostgresSession(target) : openPgliteSession(target);
}
