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
  copyRows(copy: CopyRows): Promise<number>;
  /** Releases the pool or the embedded database; call after the Prisma client disconnected. */
  close(): Promise<void>;
}

/** Rows to COPY into a table. */
export interface CopyRows {
  /** The table (and column list) of `COPY <into> FROM STDIN`. */
  into: string;
  /**
   * The rows in COPY's text format: fields separated by `delimiter`, rows ended by newlines, `\N` for null; one
   * string, or pieces of whole rows sent one after the other (large text in several strings or UTF-8 buffers, none
   * of them large).
   */
  rows: string | readonly (string | Uint8Array)[];
  /** One character (default a tab); in a value it is escaped with a backslash, as a backslash is. */
  delimiter?: string;
}

/** Rows to COPY in a transaction: `setup` runs first in it (e.g. creating a temporary table). */
export interface CopyIn extends CopyRows {
  setup: string;
}

/** The pieces of `copy.rows`, in order. */
export function rowPieces(copy: CopyRows): readonly (string | Uint8Array)[] {
  return typeof copy.rows === 'string' ? [copy.rows] : copy.rows;
}

/** The COPY statement of `copy`, reading from `source` (STDIN, or a file). */
export function copyStatement(copy: CopyRows, source: string): string {
  const { delimiter } = copy;
  if (delimiter === undefined || delimiter === '\t') return `COPY ${copy.into} FROM ${source}`;
  if (delimiter.length !== 1 || delimiter === "'") throw new Error(`not a COPY delimiter: ${delimiter}`);
  return `COPY ${copy.into} FROM ${source} WITH (DELIMITER '${delimiter}')`;
}

export function openDatabaseBackend(options: DbModuleOptions): Promise<DatabaseBackend> {
  return options.databaseUrl ? openPostgresBackend(options.databaseUrl, options) : openPgliteBackend(options);
}
