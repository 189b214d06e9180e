import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DbModuleOptions } from '../db-module-options';
import { applyMigrations } from '../migrations/apply-migrations';
import type { DatabaseBackend } from './database-backend';

// Embedded mode: PostgreSQL compiled to WebAssembly, in this process, persisted on disk.
// It is a single session, so queries (and transactions) run one at a time; fine for one
// standalone process, which is the only thing that may open the data directory.
export async function openPgliteBackend(
  options: Pick<DbModuleOptions, 'dataDir' | 'migrationsDir'>,
): Promise<DatabaseBackend> {
  const dataDir = join(options.dataDir, 'pglite');
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir });
  try {
    // Nobody else can migrate an embedded database, so it always migrates at start.
    await applyMigrations(db, { migrationsDir: options.migrationsDir });
  } catch (error) {
    await db.close();
    throw error;
  }
  return { adapter: new PrismaPGlite(db), close: () => db.close() };
}
