import { randomUUID } from 'node:crypto';
import { DEFAULT_MIGRATIONS_DIR } from '../paths';
import { readMigrationFiles, scriptMatchesChecksum, type MigrationFile } from './migration-files';
import { openMigrationSession, type MigrationSession, type MigrationTarget } from './migration-session';

export interface ApplyMigrationsOptions {
  /** Defaults to the repository's `prisma/migrations`. */
  readonly migrationsDir?: string;
  /** How long to wait for another process that is migrating the same database (PostgreSQL). */
  readonly lockTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

export interface ApplyMigrationsResult {
  /** Names of the migrations this call applied, in order; empty when the database was up to date. */
  readonly applied: string[];
}

/** The database's migration history disagrees with the migration files; nothing was applied. */
export class MigrationHistoryError extends Error {
  override readonly name = 'MigrationHistoryError';
}

/** A migration script failed; it is recorded as failed, and later runs refuse to go on. */
export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError';
}

interface MigrationRecord {
  migration_name: string;
  checksum: string;
  started_at: Date;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

// Prisma Migrate's own table, column for column, so `prisma migrate deploy`/`status` on a
// normal machine and this runner read and write the same history.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

function checkHistory(files: MigrationFile[], records: MigrationRecord[]): void {
  const failed = records.filter((record) => record.finished_at === null && record.rolled_back_at === null);
  if (failed.length > 0) {
    const details = failed
      .map(
        (record) =>
          `${record.migration_name} (started ${record.started_at.toISOString()}): ${record.logs ?? ''}`,
      )
      .join('\n');
    throw new MigrationHistoryError(
      `the database has failed migrations; fix the database, then mark them rolled back ` +
        `(prisma migrate resolve --rolled-back <name>) before migrating again:\n${details}`,
    );
  }
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const record of records) {
    const file = byName.get(record.migration_name);
    if (record.rolled_back_at === null && file && !scriptMatchesChecksum(file.script, record.checksum)) {
      throw new MigrationHistoryError(
        `migration ${record.migration_name} was changed after it was applied ` +
          `(applied checksum ${record.checksum}, file checksum ${file.checksum}); ` +
          `restore the file and put the change in a new migration`,
      );
    }
  }
}

async function applyOne(session: MigrationSession, file: MigrationFile): Promise<void> {
  // The same three steps as Prisma Migrate: record the start, run the script, record the end.
  const id = randomUUID();
  await session.query(
    'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, clock_timestamp(), $3)',
    [id, file.checksum, file.name],
  );
  try {
    await session.exec(file.script);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    // A script that opened its own transaction leaves it aborted; the bookkeeping needs it closed.
    await session.exec('ROLLBACK').catch(() => undefined);
    const logs = `Database error code: ${code ?? 'unknown'}\n\n${message ?? String(error)}`;
    await session.query('UPDATE _prisma_migrations SET logs = $2 WHERE id = $1', [id, logs]);
    throw new MigrationFailedError(`migration ${file.name} failed: ${logs}`, { cause: error });
  }
  await session.query(
    'UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1 WHERE id = $1',
    [id],
  );
  await session.query('UPDATE _prisma_migrations SET finished_at = clock_timestamp() WHERE id = $1', [id]);
}

/**
 * Applies the migrations of `prisma/migrations` that `target` lacks, in name order, and
 * records them in `_prisma_migrations` exactly as `prisma migrate deploy` does. Safe to
 * call from several processes at once on PostgreSQL: they take Prisma's advisory lock.
 * Refuses to run when an applied migration's file changed or a migration had failed.
 */
export async function applyMigrations(
  target: MigrationTarget,
  options: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  const files = await readMigrationFiles(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const session = await openMigrationSession(target);
  try {
    await session.lock(options.lockTimeoutMs ?? 5 * 60_000);
    await session.exec(CREATE_MIGRATIONS_TABLE);
    const records = await session.query<MigrationRecord>(
      'SELECT migration_name, checksum, started_at, finished_at, rolled_back_at, logs FROM _prisma_migrations ORDER BY started_at',
    );
    checkHistory(files, records);
    const done = new Set(
      records.filter((record) => record.rolled_back_at === null).map((record) => record.migration_name),
    );
    const applied: string[] = [];
    for (const file of files.filter((candidate) => !done.has(candidate.name))) {
      options.log?.(`applying migration ${file.name}`);
      await applyOne(session, file);
      applied.push(file.name);
    }
    return { applied };
  } finally {
    await session.release();
  }
}
