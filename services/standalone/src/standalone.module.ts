import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@threatline/config';
import { GatewayModule } from '@threatline/gateway';
import { ApiModule } from '@threatline/http';

/**
 * Every service in one process (what `npm start` runs): on embedded defaults that is
 * PGlite under DATA_DIR and in-process queues; with DATABASE_URL and REDIS_URL it is the
 * same code on PostgreSQL and Redis. The agent stream shares the HTTP port.
 */
@Module({})
export class StandaloneModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: StandaloneModule, imports: [ApiModule.forRoot(config), GatewayModule.forRoot()] };
  }
}
