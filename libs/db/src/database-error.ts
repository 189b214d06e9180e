import { Prisma } from './generated/prisma/client';

/** Prisma's code for a unique constraint or unique index violation (SQLSTATE 23505). */
const UNIQUE_VIOLATION = 'P2002';

/** Whether `error` is a violated unique constraint or unique index (partial ones included). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === UNIQUE_VIOLATION;
}

/**
 * The PostgreSQL SQLSTATE behind a Prisma error (e.g. '23505' unique_violation, '23514'
 * check_violation from the integrity rules of the migrations) or behind an error of
 * PrismaService.copyThenQuery, or undefined for other errors.
 */
export function databaseErrorCode(error: unknown): string | undefined {
  if (isDriverError(error)) return error.code;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: unknown } } | undefined)?.cause;
  if (typeof cause?.originalCode === 'string') return cause.originalCode;
  return isUniqueViolation(error) ? '23505' : undefined;
}

/** An error PostgreSQL itself reported, as pg and PGlite throw it (copyThenQuery): `code` is the SQLSTATE. */
function isDriverError(error: unknown): error is Error & { code: string } {
  const fields = error as { code?: unknown; severity?: unknown };
  return error instanceof Error && typeof fields.code === 'string' && typeof fields.severity === 'string';
}
