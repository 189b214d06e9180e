import { HttpException, HttpStatus } from '@nestjs/common';
import { ErrorBody, ErrorKind, toErrorBody } from '@threatline/errors';

/** The kind of an HTTP status that framework code (routing, body parsing, pipes) raised. */
export function kindOfStatus(status: number): ErrorKind {
  switch (status) {
    case 401:
      return ErrorKind.UNAUTHENTICATED;
    case 403:
      return ErrorKind.FORBIDDEN;
    case 404:
      return ErrorKind.NOT_FOUND;
    case 409:
      return ErrorKind.CONFLICT;
    case 413:
      return ErrorKind.PAYLOAD_TOO_LARGE;
    case 422:
      return ErrorKind.UNPROCESSABLE;
    case 429:
      return ErrorKind.RATE_LIMITED;
    case 503:
      return ErrorKind.UNAVAILABLE;
    default:
      return status >= 500 ? ErrorKind.INTERNAL : ErrorKind.BAD_INPUT;
  }
}

export interface DescribedError {
  status: number;
  kind: ErrorKind;
  body: ErrorBody;
}

/**
 * A Nest `HttpException` (unknown route, unparsable body, a pipe's refusal) in the product's
 * error shape. Its code is the status name (`NOT_FOUND`, `PAYLOAD_TOO_LARGE`); a server-side
 * one (5xx other than 503) says no more than INTERNAL.
 */
export function describeHttpException(exception: HttpException): DescribedError {
  const status = exception.getStatus();
  const kind = kindOfStatus(status);
  if (kind === ErrorKind.INTERNAL) return { status: 500, kind, body: toErrorBody(exception).body };
  if (status === 400 && exception.cause instanceof SyntaxError) {
    return {
      status,
      kind,
      body: {
        error: {
          code: 'MALFORMED_JSON',
          message: 'The request body is not valid JSON.',
          details: { reason: exception.cause.message },
        },
      },
    };
  }
  const code = (HttpStatus as unknown as Record<number, string | undefined>)[status] ?? kind;
  const { message, problems } = messageOf(exception);
  const body: ErrorBody = { error: { code, message } };
  if (problems) body.error.details = { problems };
  return { status, kind, body };
}

/** Nest bodies carry `message` as a string, or as a list of problems (validation pipes). */
function messageOf(exception: HttpException): { message: string; problems?: string[] } {
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const message: unknown = response.message;
    if (typeof message === 'string') return { message };
    if (Array.isArray(message) && message.length > 0 && message.every((m) => typeof m === 'string')) {
      return { message: message.join('; '), problems: message };
    }
  }
  return { message: typeof response === 'string' ? response : exception.message };
}
