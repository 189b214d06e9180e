import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DbModuleOptions } from '../db-module-options';
import { openPgliteBackend } from './pglite-backend';
import { openPostgresBackend } from './postgres-backend';

/** What PrismaService runs on: a driver adapter and the resources behind it. */
export interface DatabaseBackend {
  readonly adapter: SqlDriverAdapterFactory;
  /** One statement straight on the driver, with positional parameters ($1, $2, ...): see PrismaService.queryDirect. */
  query<Row>(sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** Releases the pool or the embedded database; call after the Prisma client disconnected. */
  close(): Promise<void>;
}

export function openDatabaseBackend(options: DbModuleOptions): Promise<DatabaseBackend> {
  return options.databaseUrl ? openPostgresBackend(options.databaseUrl, options) : openPgliteBackend(options);
}
