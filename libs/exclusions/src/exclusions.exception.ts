import { DomainException, ErrorKind } from '@threatline/errors';

export enum ExclusionsExceptionCode {
  /** libs/ioc refused the value; `details` carries its rejection code and message. */
  EXCLUSION_VALUE_INVALID = 'EXCLUSION_VALUE_INVALID',
  /** The group already has this exclusion (same type and normalized value). */
  EXCLUSION_EXISTS = 'EXCLUSION_EXISTS',
}

function kindOf(code: ExclusionsExceptionCode): ErrorKind {
  switch (code) {
    case ExclusionsExceptionCode.EXCLUSION_VALUE_INVALID:
      return ErrorKind.BAD_INPUT;
    case ExclusionsExceptionCode.EXCLUSION_EXISTS:
      return ErrorKind.CONFLICT;
  }
}

export class ExclusionsException extends DomainException {
  constructor(code: ExclusionsExceptionCode, message: string, details?: Record<string, unknown>) {
    super(kindOf(code), code, message, details);
  }
}
