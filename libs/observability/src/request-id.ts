import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller may send as its own request id: short, and nothing that could forge a log line. */
const VALID_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The id of this request: the caller's valid `x-request-id`, or a new UUID. Stored on
 * `req.id` and echoed in the response header. Idempotent, so the logger and the request
 * context agree whichever of them runs first.
 */
export function ensureRequestId(req: IncomingMessage & { id?: unknown }, res: ServerResponse): string {
  if (typeof req.id === 'string') return req.id;
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
