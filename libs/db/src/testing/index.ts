export { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from './test-database';
export { expectSqlState, SQL_STATE } from './sql-state';
