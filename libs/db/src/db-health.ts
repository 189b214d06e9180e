import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

/** Readiness of the database, for /readyz. */
@Injectable()
export class DbHealth {
  constructor(private readonly prisma: PrismaService) {}

  /** Resolves when the database answers a query; rejects otherwise. */
  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }
}
