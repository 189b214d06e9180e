/**
 * What kind of failure a domain error is. Every transport (HTTP, GraphQL, WebSocket) maps
 * these once, with an exhaustive switch, so a new kind cannot go unmapped.
 */
export enum ErrorKind {
  BAD_INPUT = 'BAD_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNPROCESSABLE = 'UNPROCESSABLE',
  RATE_LIMITED = 'RATE_LIMITED',
  UNAVAILABLE = 'UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

/** The HTTP status of each kind (contract section 4). */
export function httpStatusOf(kind: ErrorKind): number {
  switch (kind) {
    case ErrorKind.BAD_INPUT:
      return 400;
    case ErrorKind.UNAUTHENTICATED:
      return 401;
    case ErrorKind.FORBIDDEN:
      return 403;
    case ErrorKind.NOT_FOUND:
      return 404;
    case ErrorKind.CONFLICT:
      return 409;
    case ErrorKind.PAYLOAD_TOO_LARGE:
      return 413;
    case ErrorKind.UNPROCESSABLE:
      return 422;
    case ErrorKind.RATE_LIMITED:
      return 429;
    case ErrorKind.UNAVAILABLE:
      return 503;
    case ErrorKind.INTERNAL:
      return 500;
  }
}
