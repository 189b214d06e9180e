import { unwrapResolverError } from '@apollo/server/errors';
import { HttpException } from '@nestjs/common';
import { ErrorBody, ErrorKind, toErrorBody } from '@threatline/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { describeHttpException } from '../errors/http-exception-body';

/** Apollo's code for an error it could not classify: a bug, never the client's fault. */
const APOLLO_INTERNAL = 'INTERNAL_SERVER_ERROR';
const ERROR_KINDS = new Set<unknown>(Object.values(ErrorKind));

/**
 * What a GraphQL client sees of an error: `message`, `path`, `locations` and
 * `extensions: { code, kind, details? }`, nothing else (no stack, no `originalError`).
 * DomainException is mapped by its kind; GraphQL's own request errors (syntax, validation,
 * limits, bad variables) keep their code; anything else is reported to `onUnknown` and
 * answered as INTERNAL.
 */
export function formatGraphqlError(
  formatted: GraphQLFormattedError,
  error: unknown,
  onUnknown: (error: unknown, formatted: GraphQLFormattedError) => void,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const position = {
    ...(formatted.locations && { locations: formatted.locations }),
    ...(formatted.path && { path: formatted.path }),
  };

  if (original instanceof HttpException) {
    const described = describeHttpException(original);
    if (described.kind === ErrorKind.INTERNAL) onUnknown(original, formatted);
    return fromBody(described.kind, described.body, position);
  }

  const code = formatted.extensions?.['code'];
  if (original instanceof GraphQLError && typeof code === 'string' && code !== APOLLO_INTERNAL) {
    const kind = formatted.extensions?.['kind'];
    const details = formatted.extensions?.['details'];
    return {
      message: formatted.message,
      ...position,
      extensions: {
        code,
        kind: ERROR_KINDS.has(kind) ? kind : ErrorKind.BAD_INPUT,
        ...(details !== undefined && { details }),
      },
    };
  }

  const { kind, body } = toErrorBody(original);
  if (kind === ErrorKind.INTERNAL) onUnknown(original, formatted);
  return fromBody(kind, body, position);
}

function fromBody(
  kind: ErrorKind,
  body: ErrorBody,
  position: Pick<GraphQLFormattedError, 'locations' | 'path'>,
): GraphQLFormattedError {
  const { code, message, details } = body.error;
  return { message, ...position, extensions: { code, kind, ...(details !== undefined && { details }) } };
}
