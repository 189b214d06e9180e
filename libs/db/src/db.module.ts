import { Global, Module, type DynamicModule } from '@nestjs/common';
import { openDatabaseBackend } from './backend/database-backend';
import { DbHealth } from './db-health';
import { DB_MODULE_OPTIONS, type DbModuleOptions } from './db-module-options';
import { PrismaService } from './prisma.service';

@Global()
@Module({})
export class DbModule {
  /** PostgreSQL when `databaseUrl` is set, else embedded PGlite under `dataDir`; migrated at start. */
  static forRoot(options: DbModuleOptions): DynamicModule {
    return {
      module: DbModule,
      providers: [
        { provide: DB_MODULE_OPTIONS, useValue: options },
        {
          provide: PrismaService,
          inject: [DB_MODULE_OPTIONS],
          useFactory: async (moduleOptions: DbModuleOptions) =>
            new PrismaService(await openDatabaseBackend(moduleOptions)),
        },
        DbHealth,
      ],
      exports: [PrismaService, DbHealth],
    };
  }
}
