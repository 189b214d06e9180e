// `npm run db:migrate`: applies prisma/migrations to the PostgreSQL database at DATABASE_URL
// (the deploy step of distributed mode; embedded mode migrates its PGlite at start).
import pg from 'pg';
import { applyMigrations } from '../migrations/apply-migrations';

async function main(databaseUrl: string | undefined): Promise<void> {
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const { applied } = await applyMigrations(pool, { log: (message) => console.log(message) });
    console.log(applied.length === 0 ? 'database is up to date' : `applied ${applied.length} migration(s)`);
  } finally {
    await pool.end();
  }
}

main(process.env.DATABASE_URL).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
