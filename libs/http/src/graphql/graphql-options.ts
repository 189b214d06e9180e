import { ApolloDriverConfig } from '@nestjs/apollo';
import { AppConfig } from '@threatline/config';
import { Metrics } from '@threatline/observability';
import type { Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { formatGraphqlError } from './format-graphql-error';
import { operationMetricsPlugin } from './operation-metrics.plugin';
import { queryLimitsPlugin } from './query-limits.plugin';

/** What every resolver finds in its context: the express request (auth reads the principal there). */
export interface GraphqlContext {
  req: Request;
  res: Response;
}

export const GRAPHQL_PATH = '/graphql';

/**
 * The code-first GraphQL server: schema built in memory from the resolvers (sorted, so the
 * exported SDL is stable), introspection and GraphiQL only outside production, query limits,
 * metrics, and errors mapped once by `formatGraphqlError`.
 */
export function graphqlOptions(config: AppConfig, metrics: Metrics, logger: PinoLogger): ApolloDriverConfig {
  logger.setContext('GraphQL');
  const production = config.nodeEnv === 'production';
  return {
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    introspection: !production,
    graphiql: !production,
    includeStacktraceInErrorResponses: false,
    // HttpExceptions are mapped by formatGraphqlError, with the same codes as on REST.
    autoTransformHttpErrors: false,
    context: ({ req, res }: GraphqlContext): GraphqlContext => ({ req, res }),
    formatError: (formatted, error) =>
      formatGraphqlError(formatted, error, (unknown, { path }) => {
        logger.error({ err: unknown, path }, 'Unhandled error in a GraphQL operation');
      }),
    plugins: [queryLimitsPlugin(config.graphql), operationMetricsPlugin(metrics)],
  };
}
