import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DbModuleOptions } from '../db-module-options';
import { applyMigrations } from '../migrations/apply-migrations';
import { lockDataDir } from './data-dir-lock';
import {
  copyStatement,
  rowPieces,
  type CopyIn,
  type CopyRows,
  type DatabaseBackend,
} from './database-backend';

// Embedded mode: PostgreSQL compiled to WebAssembly, in this process, persisted on disk.
// It is a single session, so queries (and transactions) run one at a time; fine for one
// standalone process, which is the only thing that may open the data directory: a lock file
// (data-dir-lock.ts) makes sure of it.
export async function openPgliteBackend(
  options: Pick<DbModuleOptions, 'dataDir' | 'migrationsDir'>,
): Promise<DatabaseBackend> {
  const dataDir = join(options.dataDir, 'pglite');
  await mkdir(dataDir, { recursive: true });
  // Before PGlite touches the files: a second process on them would corrupt the database.
  const lock = await lockDataDir(options.dataDir);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir });
    // Nobody else can migrate an embedded database, so it always migrates at start.
    await applyMigrations(db, { migrationsDir: options.migrationsDir });
  } catch (error) {
    await db?.close();
    await lock.release();
    throw error;
  }
  const opened = db;
  return {
    adapter: new PrismaPGlite(opened),
    // PGlite's COPY reads a file: /dev/blob is the one given to the query.
    copyThenQuery: <Row>(copy: CopyIn, sql: string, params: readonly unknown[]) =>
      opened.transaction(async (tx) => {
        await tx.exec(copy.setup);
        await tx.query(copyStatement(copy, `'/dev/blob'`), [], { blob: new Blob([...rowPieces(copy)]) });
        return (await tx.query<Row>(sql, [...params])).rows;
      }),
    copyRows: async (copy: CopyRows) =>
      (await opened.query(copyStatement(copy, `'/dev/blob'`), [], { blob: new Blob([...rowPieces(copy)]) }))
        .affectedRows ?? 0,
    close: async () => {
      try {
        await opened.close();
      } finally {
        await lock.release();
      }
    },
  };
}
