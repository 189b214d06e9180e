import { PGlite } from '@electric-sql/pglite';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

async function connect(db: PGlite): Promise<SqlDriverAdapter> {
  const adapter = await new PrismaPGlite(db).connect();
  // pglite-prisma-adapter 0.7.2 does not await exec(), so a failing migration script would
  // surface as an unhandled rejection instead of an error from the engine.
  adapter.executeScript = async (script) => {
    await db.exec(script);
  };
  return adapter;
}

/**
 * Runs `task` with a schema engine adapter factory on PGlite: `database` (kept open) or a
 * fresh in-memory one, and a fresh in-memory shadow database per request; those it made
 * are closed afterwards. Enough to replay a migration history without a server.
 */
export async function withPgliteEngineAdapter<T>(
  task: (adapterFactory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>,
  database?: PGlite,
): Promise<T> {
  const created: PGlite[] = [];
  const track = (db: PGlite): PGlite => {
    created.push(db);
    return db;
  };
  const main = database ?? track(new PGlite());
  try {
    return await task({
      provider: 'postgres',
      adapterName: new PrismaPGlite(main).adapterName,
      connect: () => connect(main),
      connectToShadowDb: () => connect(track(new PGlite())),
    });
  } finally {
    await Promise.all(created.map((db) => db.close()));
  }
}
