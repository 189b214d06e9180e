import { DomainException, ErrorKind } from '@threatline/errors';

export enum FleetExceptionCode {
  GROUP_NAME_TAKEN = 'GROUP_NAME_TAKEN',
  FIREWALL_DEREGISTERED = 'FIREWALL_DEREGISTERED',
  FIREWALL_NOT_PENDING = 'FIREWALL_NOT_PENDING',
}

export class FleetException extends DomainException {
  constructor(code: FleetExceptionCode, message: string, details?: Record<string, unknown>) {
    super(ErrorKind.CONFLICT, code, message, details);
  }
}
