export { DbModule } from './db.module';
export type { DbModuleOptions } from './db-module-options';
export { PrismaService } from './prisma.service';
export type { CopyIn, CopyRows } from './backend/database-backend';
export { DbHealth } from './db-health';
export { databaseErrorCode, isUniqueViolation } from './database-error';
export { runTransaction, type TransactionOptions } from './transaction';
export {
  applyMigrations,
  MigrationFailedError,
  MigrationHistoryError,
  type ApplyMigrationsOptions,
  type ApplyMigrationsResult,
} from './migrations/apply-migrations';
export { MigrationLockTimeoutError, type MigrationTarget } from './migrations/migration-session';
export { MigrationDirectoryError } from './migrations/migration-files';
export { DataDirInUseError } from './backend/data-dir-lock';
// Models, enums and the Prisma namespace, so domain libraries import them from @threatline/db.
export * from './generated/prisma/client';
