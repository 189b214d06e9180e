import { json, text, type RequestHandler } from 'express';

export interface RouteBodyLimit {
  method: string;
  path: string;
  /** `json` parses application/json; `text` parses text/plain. */
  type: 'json' | 'text';
}

/**
 * A body parser for one route only, with its own limit. Installed before the global JSON parser, it reads the
 * body first (body-parser then marks it read, so the global parser, with HTTP_BODY_LIMIT, skips it); every
 * other request passes untouched to the global parser and its limit.
 */
export function routeBodyParser(route: RouteBodyLimit, limitBytes: number): RequestHandler {
  const parse =
    route.type === 'json' ? json({ limit: limitBytes }) : text({ limit: limitBytes, type: 'text/plain' });
  return (request, response, next) => {
    if (request.method === route.method && request.path === route.path) parse(request, response, next);
    else next();
  };
}
