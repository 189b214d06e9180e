import { BadRequestException, InternalServerErrorException } from '@nestjs/common';
import { DomainException, ErrorKind, NotFoundException } from '@threatline/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { formatGraphqlError } from './format-graphql-error';

/** What Apollo hands to formatError for an error thrown by a resolver. */
function resolverError(thrown: Error): { formatted: GraphQLFormattedError; error: GraphQLError } {
  const error = new GraphQLError(thrown.message, { path: ['firewall'], originalError: thrown });
  return {
    error,
    formatted: {
      message: thrown.message,
      path: ['firewall'],
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['Error: at secret.ts:1'] },
    },
  };
}

function format(formatted: GraphQLFormattedError, error: unknown) {
  const reported: unknown[] = [];
  const result = formatGraphqlError(formatted, error, (unknown) => reported.push(unknown));
  return { result, reported };
}

describe('formatGraphqlError', () => {
  it('maps a DomainException to its code, kind and details, keeping path and locations', () => {
    const { formatted, error } = resolverError(new NotFoundException('Firewall', 'fw-1'));
    const { result, reported } = format(formatted, error);
    expect(result).toEqual({
      message: 'Firewall fw-1 was not found.',
      path: ['firewall'],
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'FIREWALL_NOT_FOUND', kind: ErrorKind.NOT_FOUND, details: { id: 'fw-1' } },
    });
    expect(reported).toEqual([]);
  });

  it('answers an unknown error as INTERNAL without its message or stack, and reports it', () => {
    const thrown = new Error('connection to 10.0.0.5:5432 refused');
    const { formatted, error } = resolverError(thrown);
    const { result, reported } = format(formatted, error);
    expect(result).toEqual({
      message: 'An internal error occurred; it has been logged.',
      path: ['firewall'],
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'INTERNAL', kind: ErrorKind.INTERNAL },
    });
    expect(reported).toEqual([thrown]);
  });

  it('keeps the code of GraphQL request errors (syntax, validation, variables) as bad input', () => {
    const error = new GraphQLError('Cannot query field "nope" on type "Query".', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const { result, reported } = format(
      {
        message: error.message,
        locations: [{ line: 1, column: 3 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
      error,
    );
    expect(result).toEqual({
      message: 'Cannot query field "nope" on type "Query".',
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', kind: ErrorKind.BAD_INPUT },
    });
    expect(reported).toEqual([]);
  });

  it('keeps the kind and details a limit error carries, and drops its http extension', () => {
    const error = new GraphQLError('too deep', {
      extensions: {
        code: 'QUERY_TOO_DEEP',
        kind: ErrorKind.BAD_INPUT,
        details: { depth: 20 },
        http: { status: 400 },
      },
    });
    const { result } = format({ message: error.message, extensions: { ...error.extensions } }, error);
    expect(result.extensions).toEqual({
      code: 'QUERY_TOO_DEEP',
      kind: ErrorKind.BAD_INPUT,
      details: { depth: 20 },
    });
  });

  it('treats a GraphQL error Apollo could not classify (e.g. null for a non-null field) as INTERNAL', () => {
    const error = new GraphQLError('Cannot return null for non-nullable field Query.firewall.');
    const { result, reported } = format(
      { message: error.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      error,
    );
    expect(result.extensions).toEqual({ code: 'INTERNAL', kind: ErrorKind.INTERNAL });
    expect(reported).toEqual([error]);
  });

  it('maps a Nest HttpException by its status, with the REST codes', () => {
    const { formatted, error } = resolverError(new BadRequestException(['name must be a string']));
    expect(format(formatted, error).result.extensions).toEqual({
      code: 'BAD_REQUEST',
      kind: ErrorKind.BAD_INPUT,
      details: { problems: ['name must be a string'] },
    });
    const internal = resolverError(new InternalServerErrorException('db password is hunter2'));
    const { result, reported } = format(internal.formatted, internal.error);
    expect(result.message).not.toContain('hunter2');
    expect(result.extensions).toEqual({ code: 'INTERNAL', kind: ErrorKind.INTERNAL });
    expect(reported).toHaveLength(1);
  });

  it('gives every ErrorKind through unchanged', () => {
    for (const kind of Object.values(ErrorKind)) {
      const { formatted, error } = resolverError(new DomainException(kind, `SOME_${kind}`, 'why'));
      expect(format(formatted, error).result.extensions).toEqual({ code: `SOME_${kind}`, kind });
    }
  });
});
