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

  // onApplicationShutdown runs after every module's onModuleDestroy, so queue workers that
  // drain there can still finish their database work.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.backend.close();
  }
}
