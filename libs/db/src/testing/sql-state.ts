import { expect } from 'vitest';
import { databaseErrorCode } from '../database-error';

/** PostgreSQL error codes (SQLSTATE) that the database's own rules raise. */
export const SQL_STATE = {
  foreignKeyViolation: '23503',
  uniqueViolation: '23505',
  checkViolation: '23514',
  insufficientPrivilege: '42501',
} as const;

/**
 * Expects the database to refuse `operation` with `sqlState`, and, when given, through the named constraint: the
 * rule is the database's, whatever code path tries it.
 */
export async function expectSqlState(
  operation: Promise<unknown>,
  sqlState: string,
  constraint?: string,
): Promise<void> {
  const error = await operation.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'the database accepted what it must refuse').toBeDefined();
  expect(databaseErrorCode(error)).toBe(sqlState);
  if (constraint !== undefined) expect(String((error as Error).message)).toContain(constraint);
}
