import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One `prisma/migrations/<name>/migration.sql`, read as Prisma Migrate reads it. */
export interface MigrationFile {
  /** The directory name, e.g. `20261123000000_init`; migrations apply in name order. */
  readonly name: string;
  readonly script: string;
  /** SHA-256 of the script, lowercase hex: what Prisma stores in `_prisma_migrations.checksum`. */
  readonly checksum: string;
}

export const MIGRATION_LOCK_FILE = 'migration_lock.toml';

export class MigrationDirectoryError extends Error {
  override readonly name = 'MigrationDirectoryError';
}

export function migrationChecksum(script: string): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Whether `script` is the one that was applied with `checksum`. Like Prisma Migrate, this
 * ignores CRLF/LF differences (git may convert line endings on checkout) and accepts the
 * unpadded hex that early Prisma versions wrote.
 */
export function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replaceAll('\r\n', '\n'), script.replaceAll('\n', '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant).digest();
    const rendered =
      checksum.length === 64 ? digest.toString('hex') : [...digest].map((byte) => byte.toString(16)).join('');
    return rendered === checksum;
  });
}

/** Reads every migration of `dir`, sorted by name, after checking the lock file names PostgreSQL. */
export async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const lock = await readFile(join(dir, MIGRATION_LOCK_FILE), 'utf8').catch(() => {
    throw new MigrationDirectoryError(`${join(dir, MIGRATION_LOCK_FILE)} is missing`);
  });
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(lock)?.[1];
  if (provider !== 'postgresql') {
    throw new MigrationDirectoryError(
      `${MIGRATION_LOCK_FILE} names provider "${provider ?? ''}", expected "postgresql"`,
    );
  }
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const path = join(dir, name, 'migration.sql');
      const script = await readFile(path, 'utf8').catch(() => {
        throw new MigrationDirectoryError(`${path} is missing`);
      });
      return { name, script, checksum: migrationChecksum(script) };
    }),
  );
}
