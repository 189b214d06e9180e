import { DomainException, ErrorKind } from '@threatline/errors';

export enum TenancyExceptionCode {
  TENANT_NAME_TAKEN = 'TENANT_NAME_TAKEN',
  PROVIDER_NAME_TAKEN = 'PROVIDER_NAME_TAKEN',
  API_KEY_SCOPE_INVALID = 'API_KEY_SCOPE_INVALID',
}

export class TenancyException extends DomainException {
  constructor(code: TenancyExceptionCode, message: string, details?: Record<string, unknown>) {
    super(
      code === TenancyExceptionCode.API_KEY_SCOPE_INVALID ? ErrorKind.BAD_INPUT : ErrorKind.CONFLICT,
      code,
      message,
      details,
    );
  }
}
