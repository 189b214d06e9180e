import { DomainException, ErrorKind } from '@threatline/errors';

/**
 * Why an enrollment was refused. An unknown (or malformed) token is 401: the caller holds no
 * credential at all. A real token that can no longer enroll is 403 with the reason, since the
 * caller proved it holds the secret and the reason tells the operator what to fix.
 */
export enum EnrollmentExceptionCode {
  ENROLLMENT_TOKEN_INVALID = 'ENROLLMENT_TOKEN_INVALID',
  ENROLLMENT_TOKEN_REVOKED = 'ENROLLMENT_TOKEN_REVOKED',
  ENROLLMENT_TOKEN_EXPIRED = 'ENROLLMENT_TOKEN_EXPIRED',
  ENROLLMENT_TOKEN_EXHAUSTED = 'ENROLLMENT_TOKEN_EXHAUSTED',
  FIREWALL_SERIAL_TAKEN = 'FIREWALL_SERIAL_TAKEN',
}

function kindOf(code: EnrollmentExceptionCode): ErrorKind {
  switch (code) {
    case EnrollmentExceptionCode.ENROLLMENT_TOKEN_INVALID:
      return ErrorKind.UNAUTHENTICATED;
    case EnrollmentExceptionCode.ENROLLMENT_TOKEN_REVOKED:
    case EnrollmentExceptionCode.ENROLLMENT_TOKEN_EXPIRED:
    case EnrollmentExceptionCode.ENROLLMENT_TOKEN_EXHAUSTED:
      return ErrorKind.FORBIDDEN;
    case EnrollmentExceptionCode.FIREWALL_SERIAL_TAKEN:
      return ErrorKind.CONFLICT;
  }
}

export class EnrollmentException extends DomainException {
  constructor(code: EnrollmentExceptionCode, message: string, details?: Record<string, unknown>) {
    super(kindOf(code), code, message, details);
  }
}
