import { DomainException, ErrorDetails } from './domain.exception';
import { ErrorKind } from './error-kind';

/** The JSON error body of every HTTP answer (contract section 4). */
export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetails };
}

/** What a caller may see of an error: the domain's words, or a bare INTERNAL for anything else. */
export function toErrorBody(error: unknown): { kind: ErrorKind; body: ErrorBody } {
  if (error instanceof DomainException) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    return { kind: error.kind, body };
  }
  return {
    kind: ErrorKind.INTERNAL,
    body: { error: { code: 'INTERNAL', message: 'An internal error occurred; it has been logged.' } },
  };
}
