import type { OnApplicationShutdown } from '@nestjs/common';
import type { CopyIn, CopyRows, DatabaseBackend } from './backend/database-backend';
import { PrismaClient } from './generated/prisma/client';

/**
 * The Prisma client for repositories. Which database is behind it (PostgreSQL or the
 * embedded PGlite) is decided by DbModule and is nobody else's concern.
 */
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(private readonly backend: DatabaseBackend) {
    super({ adapter: backend.adapter });
  }

  /**
   * Bulk rows for one statement: in one transaction, `copy.setup`, then `COPY copy.into FROM STDIN` (fields
   * separated by `copy.delimiter`, a tab by default) fed with `copy.rows`, then `sql` (typically an INSERT ...
   * SELECT from the copied rows), whose rows it returns. COPY is PostgreSQL's cheapest way to take in rows, and
   * the text goes straight to the driver (Prisma's encoding of raw parameters would copy it twice). It runs on a
   * connection of its own, never inside a Prisma transaction.
   */
  copyThenQuery<Row>(copy: CopyIn, sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.backend.copyThenQuery<Row>(copy, sql, params);
  }

  /**
   * `COPY copy.into FROM STDIN` fed with `copy.rows` (COPY's text format), on a connection of its own: one
   * statement, so every row is stored or (on any error, e.g. a unique violation) none. Returns the number of rows
   * copied.
   */
  copyRows(copy: CopyRows): Promise<number> {
    return this.backend.copyRows(copy);
  }

  // onApplicationShutdown runs after every module's onModuleDestroy, so queue workers that
  // drain there can still finish their database work.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.backend.close();
  }
}
