import { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

/**
 * Runs `task` with an adapter factory whose main and shadow databases are fresh in-memory
 * PGlite instances, closed afterwards: enough to replay a migration history, no server needed.
 */
export async function withPgliteShadow<T>(
  task: (adapterFactory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>,
): Promise<T> {
  const databases: PGlite[] = [new PGlite()];
  const main = new PrismaPGlite(databases[0]!);
  try {
    return await task({
      provider: main.provider,
      adapterName: main.adapterName,
      connect: () => main.connect(),
      connectToShadowDb: async () => {
        const shadow = new PGlite();
        databases.push(shadow);
        const adapter = await new PrismaPGlite(shadow).connect();
        // pglite-prisma-adapter 0.7.2 does not await exec(), so a failing migration would
        // surface as an unhandled rejection instead of an error from the engine.
        adapter.executeScript = async (script) => {
          await shadow.exec(script);
        };
        return adapter;
      },
    });
  } finally {
    await Promise.all(databases.map((database) => database.close()));
  }
}
