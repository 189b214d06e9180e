import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DbModuleOptions } from '../db-module-options';
import { applyMigrations } from '../migrations/apply-migrations';
import type { DatabaseBackend } from './database-backend';
import { copyRows, copyThenQuery } from './postgres-copy';

export async function openPostgresBackend(
  databaseUrl: string,
  options: Pick<DbModuleOptions, 'migrateOnStart' | 'migrationsDir'>,
): Promise<DatabaseBackend> {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  try {
    if (options.migrateOnStart ?? true) {
      await applyMigrations(pool, { migrationsDir: options.migrationsDir });
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    // The pool is ours: the adapter leaves an external pool open on disconnect, and close() ends it.
    adapter: new PrismaPg(pool),
    copyThenQuery: (copy, sql, params) => copyThenQuery(pool, copy, sql, params),
    copyRows: (copy) => copyRows(pool, copy),
    close: () => pool.end(),
  };
}
