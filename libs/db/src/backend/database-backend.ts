import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DbModuleOptions } from '../db-module-options';
import { openPgliteBackend } from './pglite-backend';
import { openPostgresBackend } from './postgres-backend';

/** What PrismaService runs on: a driver adapter and the resources behind it. */
export interface DatabaseBackend {
  readonly adapter: SqlDriverAdapterFactory;
  /** A COPY then a statement, in one transaction: see PrismaService.copyThenQuery. */
  copyThenQuery<Row>(copy: CopyIn, sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** A COPY on its own (one statement, atomic): see PrismaService.copyRows. */
  copyRows(into: string, rows: string): Promise<number>;
  /** Releases the pool or the embedded database; call after the Prisma client disconnected. */
  close(): Promise<void>;
}

/** Rows to COPY into a table: `setup` runs first in the transaction (e.g. creating a temporary table). */
export interface CopyIn {
  setup: string;
  /** The table (and column list) of `COPY <into> FROM STDIN`. */
  into: string;
  /** The rows in COPY's text format: fields separated by tabs, rows ended by newlines, `\N` for null. */
  rows: string;
}

export function openDatabaseBackend(options: DbModuleOptions): Promise<DatabaseBackend> {
  return options.databaseUrl ? openPostgresBackend(options.databaseUrl, options) : openPgliteBackend(options);
}
