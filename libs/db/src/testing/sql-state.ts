// node:assert, not vitest: this module is on @threatline/db/testing, which the benchmarks (plain CommonJS, no vitest)
// load for createTestDatabase; vitest refuses to be required there.
import assert from 'node:assert/strict';
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
  assert.notEqual(error, undefined, 'the database accepted what it must refuse');
  assert.equal(databaseErrorCode(error), sqlState);
  if (constraint !== undefined) {
    const message = String((error as Error).message);
    assert.ok(message.includes(constraint), `expected "${message}" to name ${constraint}`);
  }
}
