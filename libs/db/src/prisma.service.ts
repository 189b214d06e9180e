import type { OnApplicationShutdown } from '@nestjs/common';
import type { DatabaseBackend } from './backend/database-backend';
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
   * Rows of one statement sent straight to the driver, with positional parameters ($1, $2, ...). For a hot path
   * with a large parameter: Prisma encodes each raw parameter to JSON and back before the driver sees it, which
   * costs more than the query for a parameter of hundreds of kilobytes. It runs on a connection of its own, never
   * inside a Prisma transaction.
   */
  queryDirect<Row>(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.backend.query<Row>(sql, params);
  }

  // onApplicationShutdown runs after every module's onModuleDestroy, so queue workers that
  // drain there can still finish their database work.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.backend.close();
  }
}
