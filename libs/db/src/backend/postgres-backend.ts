import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DbModuleOptions } from '../db-module-options';
import { applyMigrations } from '../migrations/apply-migrations';
import type { DatabaseBackend } from './database-backend';

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
    query: async <Row>(sql: string, params: readonly unknown[]) =>
      (await pool.query(sql, [...params])).rows as Row[],
    close: () => pool.end(),
  };
}
