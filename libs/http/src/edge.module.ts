import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { AppConfig } from '@threatline/config';
import { Metrics } from '@threatline/observability';
import { PinoLogger } from 'nestjs-pino';
import { graphqlOptions } from './graphql/graphql-options';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { HttpErrorFilter } from './rest/http-error.filter';

/**
 * The HTTP edge of an API process: GraphQL at /graphql, the error filter of every REST
 * route, /healthz, /readyz and /metrics. Needs ConfigModule, ObservabilityModule, and the
 * DbHealth and MessagingHealth providers of DbModule and MessagingModule.
 */
@Module({
  imports: [
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [AppConfig, Metrics, PinoLogger],
      useFactory: graphqlOptions,
    }),
  ],
  controllers: [HealthController, MetricsController],
  providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
})
export class EdgeModule {}
