import { ErrorKind } from './error-kind';

/** Structured detail of an error, e.g. which field of which input was wrong. */
export type ErrorDetails = Record<string, unknown> | ReadonlyArray<Record<string, unknown>>;

/**
 * The one error mechanism of the product. Modules subclass it with their own code enum
 * (`FleetExceptionCode.GROUP_NOT_FOUND`); `kind` decides the status on every transport and
 * `code` is the stable, machine-readable reason clients switch on.
 */
export class DomainException extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input named precisely: which field, and what is wrong with it. */
export class ValidationException extends DomainException {
  constructor(message: string, details?: ErrorDetails) {
    super(ErrorKind.BAD_INPUT, 'VALIDATION_FAILED', message, details);
  }
}

export class AuthenticationException extends DomainException {
  constructor(message = 'A valid API key is required (Authorization: Bearer <key>).') {
    super(ErrorKind.UNAUTHENTICATED, 'UNAUTHENTICATED', message);
  }
}

export class ForbiddenException extends DomainException {
  constructor(message = 'This credential may not perform this operation.') {
    super(ErrorKind.FORBIDDEN, 'FORBIDDEN', message);
  }
}

/**
 * Not found, and also the answer for objects of another tenant: a caller can never tell
 * "exists elsewhere" from "does not exist".
 */
export class NotFoundException extends DomainException {
  constructor(entity: string, id: string) {
    super(ErrorKind.NOT_FOUND, `${constantCase(entity)}_NOT_FOUND`, `${entity} ${id} was not found.`, {
      id,
    });
  }
}

/** `FirewallGroup` -> `FIREWALL_GROUP`. */
function constantCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}
