import { Injectable, NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Metrics } from './metrics';

/** Times every request until its response is sent. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(req: Request, res: Response, next: () => void): void {
    const stop = this.metrics.httpRequestDuration.startTimer();
    res.once('finish', () => {
      stop({ method: req.method, route: routePatternOf(req), status: String(res.statusCode) });
    });
    next();
  }
}

/**
 * The route pattern that served a request (`/api/v1/feeds/:feedId`), or the mount path of a
 * middleware app (`/graphql`); `unmatched` when nothing did, so scanners cannot mint series.
 * Middleware is mounted on wildcard routes (`{/*splat}`), which Express also reports in
 * `req.route`; a wildcard is therefore never taken for the route that answered.
 */
export function routePatternOf(req: Request): string {
  const route: unknown = req.route;
  if (
    typeof route === 'object' &&
    route !== null &&
    'path' in route &&
    typeof route.path === 'string' &&
    !route.path.includes('*')
  ) {
    return `${req.baseUrl}${route.path}`;
  }
  return req.baseUrl || UNMATCHED_ROUTE;
}

export const UNMATCHED_ROUTE = 'unmatched';
