import { DynamicModule, Type } from '@nestjs/common';
import { AppConfig } from '@threatline/config';
import { StreamsModule } from '@threatline/streams';
import { AuditModule } from '@threatline/audit';
import { AuthModule } from '@threatline/auth';
import { DemoSeedModule } from '@threatline/demo-seed';
import { EnrollmentModule } from '@threatline/enrollment';
import { ExclusionsModule } from '@threatline/exclusions';
import { FeedsModule } from '@threatline/feeds';
import { FleetModule } from '@threatline/fleet';
import { TenancyModule } from '@threatline/tenancy';
import { ReportingModule } from '@threatline/reporting';
import { EdgeModule } from './edge.module';
import { FoundationModule } from './foundation.module';

/**
 * The domain modules the API serves: each brings its resolvers, controllers and services.
 * The GraphQL schema is whatever their resolvers declare.
 */
export const API_DOMAIN_MODULES: readonly (Type | DynamicModule)[] = [
  AuthModule,
  AuditModule,
  TenancyModule,
  FleetModule,
  EnrollmentModule,
  ExclusionsModule,
  FeedsModule,
  ReportingModule,
];

/**
 * An API process: configuration, logs and metrics, the database and the message bus (each
 * embedded or external per the configuration), the delta streams the domain modules write to,
 * the HTTP/GraphQL edge, the domain modules.
 */
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        FoundationModule.forRoot(config),
        StreamsModule,
        EdgeModule,
        ...API_DOMAIN_MODULES,
        DemoSeedModule.forRoot({
          enabled:
            config.seedDemo === 'always' ||
            (config.seedDemo === 'first-embedded-start' && !config.databaseUrl),
          dataDir: config.dataDir,
          apiUrl: config.http.publicUrl,
          streamUrl: config.streamUrl,
        }),
      ],
    };
  }
}
