import { DomainException, ErrorKind } from '@threatline/errors';

export enum FeedsExceptionCode {
  /** More indicators in one push or import than MAX_INDICATORS_PER_FEED. */
  TOO_MANY_INDICATORS = 'TOO_MANY_INDICATORS',
  /** Every line was rejected: a feed without indicators is not stored. */
  NO_VALID_INDICATORS = 'NO_VALID_INDICATORS',
  /** The Idempotency-Key was used before with another body. */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
}

function kindOf(code: FeedsExceptionCode): ErrorKind {
  switch (code) {
    case FeedsExceptionCode.TOO_MANY_INDICATORS:
      return ErrorKind.PAYLOAD_TOO_LARGE;
    case FeedsExceptionCode.NO_VALID_INDICATORS:
      return ErrorKind.UNPROCESSABLE;
    case FeedsExceptionCode.IDEMPOTENCY_KEY_REUSED:
      return ErrorKind.CONFLICT;
  }
}

export class FeedsException extends DomainException {
  constructor(code: FeedsExceptionCode, message: string, details?: Record<string, unknown>) {
    super(kindOf(code), code, message, details);
  }
}
