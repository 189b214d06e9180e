// Nest's Apollo driver is ESM and takes the ESM declarations of @apollo/server's types.
import type { ApolloServerPlugin } from '@apollo/server' with { 'resolution-mode': 'import' };
import { ErrorKind } from '@threatline/errors';
import { getVariableValues, GraphQLError } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { operationDepth } from './operation-depth';
import { paginationEstimator, PageSizeViolation } from './pagination-estimator';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxPageSize: number;
}

/**
 * Refuses, before anything executes, an operation that is too deep, asks for a page larger
 * than `maxPageSize`, or costs more than `maxCost` (one per field, list children once per
 * item asked for). Each answer is a 400 with a code the client can act on.
 */
export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ schema, document, operation, operationName, request }) {
          // Apollo refuses a request naming no known operation before this hook runs.
          if (!operation) return Promise.resolve();
          const depth = operationDepth(document, operation);
          if (depth > limits.maxDepth) {
            throw limitError(
              'QUERY_TOO_DEEP',
              `The operation nests ${depth} levels of fields; the limit is ${limits.maxDepth}.`,
              { depth, maxDepth: limits.maxDepth },
            );
          }

          // Bad variables are bad input, named as Apollo names them, not an unpriceable query.
          const coerced = getVariableValues(
            schema,
            operation.variableDefinitions ?? [],
            request.variables ?? {},
          );
          if (coerced.errors) {
            throw new GraphQLError(coerced.errors.map((error) => error.message).join(' '), {
              extensions: { code: 'BAD_USER_INPUT', kind: ErrorKind.BAD_INPUT, http: { status: 400 } },
            });
          }

          const violations: PageSizeViolation[] = [];
          const cost = costOf(() =>
            getComplexity({
              schema,
              query: document,
              operationName: operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [
                paginationEstimator(limits.maxPageSize, violations),
                fieldExtensionsEstimator(),
                simpleEstimator({ defaultComplexity: 1 }),
              ],
            }),
          );
          const [violation] = violations;
          if (violation) {
            throw limitError(
              'INVALID_PAGE_SIZE',
              `\`first\` on ${violation.field} must be between 1 and ${limits.maxPageSize}.`,
              { field: violation.field, first: violation.first, maxPageSize: limits.maxPageSize },
            );
          }
          if (cost > limits.maxCost) {
            throw limitError(
              'QUERY_TOO_COMPLEX',
              `The operation costs ${cost}; the limit is ${limits.maxCost}. Ask for fewer items or fields.`,
              { cost, maxCost: limits.maxCost },
            );
          }
          return Promise.resolve();
        },
      });
    },
  };
}

/** The cost, or a client error when the operation cannot even be priced (bad variables, too many nodes). */
function costOf(compute: () => number): number {
  try {
    return compute();
  } catch (error) {
    if (error instanceof GraphQLError) {
      throw limitError('QUERY_TOO_COMPLEX', error.message, undefined);
    }
    throw error;
  }
}

function limitError(
  code: string,
  message: string,
  details: Record<string, unknown> | undefined,
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code, kind: ErrorKind.BAD_INPUT, ...(details && { details }), http: { status: 400 } },
  });
}
