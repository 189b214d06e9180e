export interface DbModuleOptions {
  /**
   * PostgreSQL connection string (distributed mode). Without it the service runs on an
   * embedded PGlite database persisted under `<dataDir>/pglite`.
   */
  readonly databaseUrl?: string;
  readonly dataDir: string;
  /**
   * Apply pending migrations when the module starts (default true). Embedded mode always
   * does; in distributed mode a deployment may turn it off and run `npm run db:migrate`
   * as its own step. Concurrent starts are safe either way (advisory lock).
   */
  readonly migrateOnStart?: boolean;
  /** Where the migrations are; defaults to the repository's `prisma/migrations`. */
  readonly migrationsDir?: string;
}

export const DB_MODULE_OPTIONS = Symbol('DB_MODULE_OPTIONS');
