import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { AppConfig } from '@threatline/config';
import { ErrorKind, httpStatusOf, toErrorBody } from '@threatline/errors';
import { routePatternOf, UNMATCHED_ROUTE } from '@threatline/observability';
import type { Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { DescribedError, describeHttpException } from '../errors/http-exception-body';

/**
 * Every error of an HTTP route, in one shape: `{"error":{"code","message","details"?}}` with
 * the status of its kind (contract section 4). Unknown errors are logged with the request
 * and answered as INTERNAL, never with their message or stack. GraphQL errors pass through
 * to the GraphQL error formatter.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(HttpErrorFilter.name);
  }

  catch(exception: unknown, host: ArgumentsHost): unknown {
    // Returned, not thrown: Nest hands it back to graphql-js, which reports it as the field's error.
    if (host.getType() !== 'http')
      return exception instanceof Error ? exception : new Error(String(exception));

    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const answer = this.describe(exception, request);
    if (answer.kind === ErrorKind.INTERNAL) {
      this.logger.error(
        { err: exception, method: request.method, url: request.originalUrl },
        'Unhandled error',
      );
    }
    if (response.headersSent) {
      response.end();
      return undefined;
    }
    response.status(answer.status).json(answer.body);
    return undefined;
  }

  private describe(exception: unknown, request: Request): DescribedError {
    if (exception instanceof HttpException) {
      const described = describeHttpException(exception);
      if (described.status === 404 && routePatternOf(request) === UNMATCHED_ROUTE) {
        const path = request.originalUrl.split('?')[0] ?? '';
        described.body = {
          error: { code: 'ROUTE_NOT_FOUND', message: `No route for ${request.method} ${path}.` },
        };
      }
      if (described.status === 413) {
        // body-parser names the limit it applied (a route may have its own, see routeBodyParser).
        const limit = (exception.cause as { limit?: unknown } | undefined)?.limit;
        const bytes = typeof limit === 'number' ? limit : this.config.http.bodyLimitBytes;
        described.body.error.message = `The request body is larger than ${formatBytes(bytes)}.`;
      }
      return described;
    }
    const { kind, body } = toErrorBody(exception);
    return { status: httpStatusOf(kind), kind, body };
  }
}

/** Sizes as HTTP_BODY_LIMIT writes them. */
function formatBytes(bytes: number): string {
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}mb`;
  if (bytes % 1024 === 0) return `${bytes / 1024}kb`;
  return `${bytes} bytes`;
}
